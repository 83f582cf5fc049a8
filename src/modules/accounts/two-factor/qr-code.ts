import QRCode from "qrcode";

/** The setup link an authenticator app reads (RFC 6238 key, issuer and account shown in the app). */
export function otpauthUri(email: string, secretKey: string): string {
  return `otpauth://totp/Commissioner:${encodeURIComponent(email)}?secret=${secretKey}&issuer=Commissioner`;
}

const TITLE = "QR code of the setup link: scan it with your authenticator app";

/**
 * The setup link as a QR code, drawn on the server as SVG so that the page needs no script. It carries
 * its own name for screen readers, who use the typed key beside it.
 */
export async function setupQrCode(uri: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: "svg", errorCorrectionLevel: "M", margin: 2, width: 180 });
  return svg.replace(
    /^<svg ([^>]*)>/,
    `<svg role="img" aria-labelledby="qr-code-title" focusable="false" class="app-qr-code" $1><title id="qr-code-title">${TITLE}</title>`,
  );
}
