/**
 * The site icon: a rosette with a tick, in the pages' blue. Served as /favicon.svg (linked from
 * every page) and at /favicon.ico, which browsers ask for on their own for JSON and image views.
 */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<path fill="#0b57d0" d="M9 19l-4 11 5-2 3 4 3-10zM23 19l4 11-5-2-3 4-3-10z"/>
<circle cx="16" cy="13" r="12" fill="#0b57d0"/>
<path fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round" d="M10.5 13.5l4 4 7-8"/>
</svg>
`;

/** The <link> every page's head carries. */
export const FAVICON_LINK = '<link rel="icon" href="/favicon.svg" type="image/svg+xml">';
