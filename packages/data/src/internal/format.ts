/** `1234567` -> `"1,234,567"`, the same in every locale. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** A short hex preview of the first bytes, for error messages. */
export function hexPreview(bytes: Uint8Array, n = 4): string {
  const parts: string[] = [];
  for (let i = 0; i < Math.min(n, bytes.length); i++) parts.push(bytes[i].toString(16).padStart(2, "0"));
  return parts.length === 0 ? "(no bytes)" : `0x${parts.join(" ")}`;
}
