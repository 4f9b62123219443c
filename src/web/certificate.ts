import PDFDocument from 'pdfkit';

export interface CertificateInput {
  title: string;
  description?: string;
  issuerName: string;
  learner?: string;
  issuedOn: string;
  facts: Array<[string, string]>;
  outcomes: string[];
  verificationUrl: string;
  qrPng: Buffer;
  credentialId: string;
}

/**
 * A printable one-page certificate (A4 landscape) with the QR code of the verification link.
 * The paper is only a pointer: what counts is the credential the QR code leads to.
 */
export function renderCertificate(c: CertificateInput): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', layout: 'landscape', margin: 48, info: { Title: c.title, Author: c.issuerName, Subject: 'Micro-credential certificate' } });
    const chunks: Buffer[] = [];
    doc.on('data', (b: Buffer) => chunks.push(b));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    const width = doc.page.width - 96;
    doc.rect(24, 24, doc.page.width - 48, doc.page.height - 48).lineWidth(2).stroke('#0b57d0');
    doc.fillColor('#5b6470').fontSize(12).text(c.issuerName.toUpperCase(), 48, 56, { width, align: 'center', characterSpacing: 1 });
    doc.moveDown(0.6).fillColor('#1c2128').fontSize(13).text('certifies that', { width, align: 'center' });
    doc.moveDown(0.4).fontSize(24).text(c.learner ?? 'the holder of this credential', { width, align: 'center' });
    doc.moveDown(0.4).fontSize(13).text('has earned the micro-credential', { width, align: 'center' });
    doc.moveDown(0.4).fontSize(28).fillColor('#0b57d0').text(c.title, { width, align: 'center' });
    if (c.description) doc.moveDown(0.5).fontSize(11).fillColor('#2f3640').text(c.description, 120, doc.y, { width: width - 144, align: 'center' });
    const top = Math.max(doc.y + 18, 300);
    doc.fontSize(11).fillColor('#1c2128');
    let y = top;
    for (const [label, value] of [['Issued', c.issuedOn], ...c.facts] as Array<[string, string]>) {
      doc.font('Helvetica-Bold').text(label, 72, y, { width: 130 });
      doc.font('Helvetica').text(value, 205, y, { width: 330 });
      y = doc.y + 4;
    }
    if (c.outcomes.length) {
      doc.font('Helvetica-Bold').text('Learning outcomes', 72, y + 6);
      doc.font('Helvetica').fontSize(10);
      for (const o of c.outcomes.slice(0, 6)) doc.text(`• ${o}`, 80, doc.y + 2, { width: 455 });
    }
    const qrSize = 150;
    const qrX = doc.page.width - 72 - qrSize;
    doc.image(c.qrPng, qrX, top - 6, { width: qrSize, height: qrSize });
    doc.fontSize(8).fillColor('#5b6470').text('Scan to verify', qrX, top + qrSize, { width: qrSize, align: 'center' });
    doc.text(c.verificationUrl, qrX - 40, doc.y + 2, { width: qrSize + 80, align: 'center' });
    doc.fontSize(7).text(`Credential ${c.credentialId}. This certificate is a printout: verify the credential itself with the QR code.`, 48, doc.page.height - 60, { width, align: 'center' });
    doc.end();
  });
}
