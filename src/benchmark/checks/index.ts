import type { CheckVerdict } from '../types.js';
import type { McView } from '../view.js';
import * as common from './common.js';
import * as consistency from './consistency.js';
import * as regional from './regional.js';

export type CheckFunction = (view: McView, params: Record<string, unknown>) => CheckVerdict;

/** Every check a profile rule may name. A profile naming anything else is refused when loaded. */
export const CHECKS: Readonly<Record<string, CheckFunction>> = Object.freeze({ ...common, ...consistency, ...regional });
