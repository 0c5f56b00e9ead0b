/**
 * Text that came from a server (error messages, headers, body snippets) is
 * printed only after ANSI escape sequences, control characters and bidi
 * overrides are removed: a hostile server must not be able to drive the
 * user's terminal or disguise a message.
 */

// CSI/OSC/other ESC sequences (7-bit and the C1 CSI/OSC forms), then any single control character.
const ESCAPE_SEQUENCE = /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b[@-_]?/g;
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `text` safe for one line of a terminal: escapes removed, tabs and newlines become spaces, at most `max` characters. */
export function cleanServerText(text: string, max = 300): string {
  const clean = text.replace(ESCAPE_SEQUENCE, "").replace(CONTROL, "").replace(/[\t\n]+/g, " ").trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
