/**
 * The character encoding of a CSV file: read as UTF-8 unless a byte-order mark says UTF-16 or
 * the caller names another encoding. Bytes that are not valid UTF-8 are refused (naming the
 * file, the line and the fix) rather than replaced by U+FFFD, which would merge levels such as
 * café and cafè into one.
 */
import { HetfxError } from "../errors.ts";

/** Encodings a CSV file may be read in (the WHATWG TextDecoder labels hetfx accepts). */
export type TextEncodingName = "utf-8" | "latin1" | "windows-1252" | "utf-16le" | "utf-16be";

/** Accepted spellings of each encoding. */
const ALIASES: Readonly<Record<string, TextEncodingName>> = {
  "utf-8": "utf-8",
  utf8: "utf-8",
  latin1: "latin1",
  "latin-1": "latin1",
  "iso-8859-1": "latin1",
  "iso8859-1": "latin1",
  "windows-1252": "windows-1252",
  cp1252: "windows-1252",
  "utf-16le": "utf-16le",
  utf16le: "utf-16le",
  "utf-16be": "utf-16be",
  utf16be: "utf-16be",
};

/** The encodings as a message lists them. */
export const ENCODING_NAMES: readonly string[] = [
  "utf-8",
  "latin1",
  "windows-1252",
  "utf-16le",
  "utf-16be",
];

/**
 * The canonical name of an encoding option, or a HetfxError listing the accepted ones.
 *
 * @example
 * ```ts
 * import { encodingName } from "./text_encoding.ts";
 * console.assert(encodingName("ISO-8859-1", "Cannot load table") === "latin1");
 * ```
 */
export function encodingName(value: unknown, context: string): TextEncodingName {
  const name = typeof value === "string" ? ALIASES[value.trim().toLowerCase()] : undefined;
  if (name === undefined) {
    throw new HetfxError(
      `${context}: encoding ${JSON.stringify(value) ?? String(value)} is not one hetfx reads; ` +
        `use one of ${ENCODING_NAMES.join(", ")}.`,
    );
  }
  return name;
}

/**
 * Decode a CSV file's bytes. A byte-order mark decides (UTF-8, UTF-16LE, UTF-16BE); otherwise
 * `encoding` (default UTF-8). Invalid UTF-8, or UTF-16 without a byte-order mark, throws a
 * HetfxError naming `file`, what was found and the encoding to give instead.
 *
 * @example
 * ```ts
 * import { decodeText } from "./text_encoding.ts";
 * const latin1 = new Uint8Array([0x67, 0x0a, 0x63, 0x61, 0x66, 0xe9, 0x0a]); // "g\ncafé\n"
 * console.assert(decodeText(latin1, "d.csv", "latin1") === "g\ncafé\n");
 * try {
 *   decodeText(latin1, "d.csv");
 * } catch (e) {
 *   console.assert(String(e).includes("not valid UTF-8"));
 * }
 * ```
 */
export function decodeText(
  bytes: Uint8Array,
  file: string,
  encoding?: TextEncodingName,
): string {
  const context = `Cannot load table: "${file}"`;
  const bom = byteOrderMark(bytes);
  // A compressed file, a workbook or another binary format is not text in any encoding:
  // "probably Latin-1" would send the user the wrong way.
  const binary = bom === undefined ? binaryFormat(bytes, file) : undefined;
  if (binary !== undefined) {
    throw new HetfxError(`${context} is ${binary.what}, not CSV text; ${binary.todo}.`);
  }
  const chosen = bom ?? encoding ?? "utf-8";
  if (chosen === "utf-8") {
    const bad = utf8Problem(bytes);
    if (bad !== undefined) {
      const utf16 = bad.utf16;
      throw new HetfxError(
        `${context} is not valid UTF-8 text (line ${bad.line} has the byte ${bad.byte})` +
          (utf16 === undefined
            ? `; it is probably Latin-1 or Windows-1252 (as Excel and older R save): read it ` +
              `with loadTable(path, { encoding: "latin1" }), or save it as UTF-8.`
            : `; it looks like ${utf16.toUpperCase()} without a byte-order mark: read it with ` +
              `loadTable(path, { encoding: "${utf16}" }), or save it as UTF-8.`),
      );
    }
    // ASCII text saved as UTF-16 without a byte-order mark is valid UTF-8 (every other byte
    // NUL): it would be read as text with NULs and fail later, far from the cause.
    const utf16 = bom === undefined ? looksUtf16(bytes) : undefined;
    if (utf16) {
      throw new HetfxError(
        `${context} looks like ${utf16.toUpperCase()} text (every other byte is zero) without ` +
          `a byte-order mark: read it with loadTable(path, { encoding: "${utf16}" }), or save it ` +
          "as UTF-8.",
      );
    }
  } else if (bom === undefined && chosen.startsWith("utf-16") && bytes.length % 2 !== 0) {
    throw new HetfxError(
      `${context} has an odd number of bytes, so it is not ${chosen.toUpperCase()}; check the ` +
        `encoding (one of ${ENCODING_NAMES.join(", ")}).`,
    );
  } else if (bom === undefined && !chosen.startsWith("utf-16") && looksUtf16(bytes)) {
    const utf16 = looksUtf16(bytes);
    throw new HetfxError(
      `${context} looks like ${utf16!.toUpperCase()} text (every other byte is zero), not ` +
        `${chosen}: read it with loadTable(path, { encoding: "${utf16}" }).`,
    );
  }
  // TextDecoder drops a byte-order mark that matches its encoding.
  return new TextDecoder(chosen).decode(bytes);
}

/** Bytes that begin with `magic` (a string of byte values). */
function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

/**
 * The binary format a file's first bytes (its magic number) show, with what to do instead, or
 * undefined for text. `file` words the advice (a .gz name is decompressed as it is).
 *
 * @example
 * ```ts
 * import { binaryFormat } from "./text_encoding.ts";
 * console.assert(binaryFormat(new Uint8Array([0x1f, 0x8b, 8, 0]), "d.csv.gz")?.what === "gzip-compressed");
 * console.assert(binaryFormat(new TextEncoder().encode("y,x\n1,2\n"), "d.csv") === undefined);
 * ```
 */
export function binaryFormat(
  bytes: Uint8Array,
  file: string,
): { what: string; todo: string } | undefined {
  const quoted = JSON.stringify(file);
  if (startsWith(bytes, [0x1f, 0x8b])) {
    return {
      what: "gzip-compressed",
      todo: /\.gz$/i.test(file)
        ? `decompress it first (gunzip -k ${quoted})`
        : `decompress it first (e.g. gzip -dc ${quoted} > data.csv)`,
    };
  }
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) {
    return {
      what: "a zip archive (as an .xlsx or .ods workbook is)",
      todo: "save the sheet as CSV (or unzip the CSV file inside) and read that",
    };
  }
  if (startsWith(bytes, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) {
    return { what: "an Office file (an old .xls workbook)", todo: "save the sheet as CSV first" };
  }
  const par1 = ascii("PAR1");
  if (startsWith(bytes, par1) && par1.every((b, i) => bytes[bytes.length - 4 + i] === b)) {
    return {
      what: "a Parquet file",
      todo: "name it .parquet, which is read through DuckDB (duckdbSource(path); on the " +
        "command line: deno task fit data.parquet), or export it to CSV",
    };
  }
  if (startsWith(bytes, ascii("SQLite format 3\0"))) {
    return { what: "an SQLite database", todo: "export the table to CSV first" };
  }
  if (startsWith(bytes, [0x89, ...ascii("PNG\r\n\x1a\n")])) {
    return { what: "a PNG image", todo: "give the CSV file of the data" };
  }
  if (startsWith(bytes, ascii("%PDF-"))) {
    return { what: "a PDF document", todo: "give the CSV file of the data" };
  }
  return undefined;
}

/** Where bytes stop being UTF-8: the line (1-based), the byte (0xE9), and UTF-16's look. */
export interface Utf8Problem {
  line: number;
  byte: string;
  /** The bytes look like UTF-16 without a byte-order mark. */
  utf16?: "utf-16le" | "utf-16be";
}

/**
 * The first byte of `bytes` that breaks UTF-8, or undefined when all are valid. With `partial`
 * (the first part of a file), a sequence cut off at the end is not counted.
 *
 * @example
 * ```ts
 * import { utf8Problem } from "./text_encoding.ts";
 * console.assert(utf8Problem(new Uint8Array([0x61, 0x0a, 0xe9]))?.line === 2);
 * console.assert(utf8Problem(new Uint8Array([0x61, 0xc3]), true) === undefined);
 * ```
 */
export function utf8Problem(bytes: Uint8Array, partial = false): Utf8Problem | undefined {
  let bad = firstInvalidUtf8(bytes);
  // A multi-byte character cut by the end of a partial read is not an error.
  if (partial && bad >= bytes.length - 3 && bad >= 0) {
    const rest = bytes.subarray(bad);
    const need = rest[0] >= 0xf0 ? 4 : rest[0] >= 0xe0 ? 3 : rest[0] >= 0xc2 ? 2 : 0;
    if (need > rest.length && rest.subarray(1).every((b) => (b & 0xc0) === 0x80)) bad = -1;
  }
  if (bad < 0) return undefined;
  const utf16 = looksUtf16(bytes);
  return {
    line: 1 + bytes.subarray(0, bad).filter((b) => b === 0x0a).length,
    byte: `0x${bytes[bad].toString(16).toUpperCase().padStart(2, "0")}`,
    ...(utf16 === undefined ? {} : { utf16 }),
  };
}

/**
 * "utf-16le" or "utf-16be" when the bytes start with that byte-order mark, or look like it
 * without one (zero bytes in every other position), else undefined.
 *
 * @example
 * ```ts
 * import { utf16Encoding } from "./text_encoding.ts";
 * console.assert(utf16Encoding(new Uint8Array([0x79, 0, 0x2c, 0, 0x78, 0])) === "utf-16le");
 * ```
 */
export function utf16Encoding(bytes: Uint8Array): "utf-16le" | "utf-16be" | undefined {
  const bom = byteOrderMark(bytes);
  if (bom === "utf-16le" || bom === "utf-16be") return bom;
  return bom === undefined ? looksUtf16(bytes) : undefined;
}

function byteOrderMark(bytes: Uint8Array): TextEncodingName | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return "utf-8";
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return "utf-16le";
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return "utf-16be";
  return undefined;
}

/** "utf-16le"/"utf-16be" when zero bytes fill the odd/even positions of the first 1,000. */
function looksUtf16(bytes: Uint8Array): "utf-16le" | "utf-16be" | undefined {
  const n = Math.min(bytes.length, 1000) & ~1;
  if (n < 4) return undefined;
  let evenZero = 0, oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZero++;
    if (bytes[i + 1] === 0) oddZero++;
  }
  if (oddZero > 0.4 * (n / 2) && evenZero === 0) return "utf-16le";
  if (evenZero > 0.4 * (n / 2) && oddZero === 0) return "utf-16be";
  return undefined;
}

/** The offset of the first byte that breaks UTF-8 (RFC 3629), or −1 when all are valid. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number, min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let code = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      code = (code << 6) | (c & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}
