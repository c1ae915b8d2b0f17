/**
 * A small RFC 4180 CSV reader: quoted fields, `""` escapes, commas and line breaks inside
 * quotes, CRLF or LF line ends, a UTF-8 byte-order mark. It returns strings only; type
 * inference happens in load_table.ts.
 */
import { HetfxError } from "../errors.ts";

/** The header and the data rows of a CSV text, every field as written (quotes removed). */
export interface ParsedCsv {
  header: string[];
  rows: string[][];
  /** Header names that had spaces around them (as written), now trimmed. */
  trimmed: string[];
}

interface RawRecord {
  fields: string[];
  /** 1-based physical line on which the record starts. */
  line: number;
  /** True when the record is one empty, unquoted field (a blank line). */
  blank: boolean;
}

/**
 * Parse CSV text into a header and rows of strings.
 *
 * One final line break is not a record; blank lines after the last record are ignored when
 * the header has more than one column (they cannot be data). Spaces around header names are
 * trimmed (and listed in `trimmed`). A blank line in the middle of the
 * data, a row with the wrong number of fields, an unterminated quote, a stray character after
 * a closing quote, an empty or duplicated column name all throw a HetfxError naming the line.
 *
 * @example
 * ```ts
 * import { parseCsv } from "./csv.ts";
 * const { header, rows } = parseCsv('a,b\r\n1,"x, ""y"""\r\n');
 * console.assert(header.join("|") === "a|b");
 * console.assert(rows[0][1] === 'x, "y"');
 * ```
 */
export function parseCsv(text: string): ParsedCsv {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === "") {
    throw new HetfxError(
      "Cannot read CSV: the input is empty; expected a header line with column names, then one line per row.",
    );
  }
  const records = splitRecords(text);
  const headerRecord = records[0];
  // "y, treat" names its second column "treat": spaces around a name are never meant.
  const trimmed = headerRecord.fields.filter((name) => name !== name.trim());
  const header = headerRecord.fields.map((name) => name.trim());
  checkHeader(header);

  // Trailing blank lines carry no data when there is more than one column.
  let end = records.length;
  if (header.length > 1) {
    while (end > 1 && records[end - 1].blank) end--;
  }
  const rows: string[][] = [];
  for (let r = 1; r < end; r++) {
    const record = records[r];
    if (record.fields.length !== header.length) {
      if (record.blank) {
        throw new HetfxError(
          `Cannot read CSV: line ${record.line} is blank but the header has ${header.length} fields;` +
            " remove blank lines inside the data.",
        );
      }
      throw fieldCountError(record.line, record.fields.length, header.length);
    }
    rows.push(record.fields);
  }
  return { header, rows, trimmed };
}

/**
 * Refuse a file separated by semicolons or tabs (a header line with no comma but one of those),
 * before the CSV parser reads decimal commas in its rows as separators. `text` is the CSV, or at
 * least its first line.
 *
 * @example
 * ```ts
 * import { checkSeparator } from "./csv.ts";
 * checkSeparator("y,x\n1,2\n"); // comma-separated: returns
 * ```
 */
export function checkSeparator(text: string): void {
  const firstLine = text.replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0];
  if (firstLine.includes(",")) return;
  const separator = [";", "\t"].find((c) => firstLine.includes(c));
  if (separator === undefined) return;
  throw new HetfxError(
    `Cannot load table: the header line "${firstLine.replaceAll("\t", "\\t")}" is separated by ` +
      `${separator === ";" ? "semicolons" : "tabs"}; hetfx reads comma-separated CSV, so ` +
      "save the file with commas as separators (and a point as decimal mark).",
  );
}

/**
 * Refuse a header with an empty or a duplicated column name (after trimming), naming it.
 *
 * @example
 * ```ts
 * import { checkHeader } from "./csv.ts";
 * checkHeader(["y", "x"]); // unique names: returns
 * ```
 */
export function checkHeader(header: readonly string[]): void {
  const seen = new Map<string, number>();
  const duplicates: string[] = [];
  header.forEach((name, i) => {
    if (name.trim() === "") {
      throw new HetfxError(
        `Cannot read CSV: column ${i + 1} of the header has no name; give every column a name` +
          " (a file written with row names has an empty first header field: drop that column).",
      );
    }
    if (seen.has(name) && !duplicates.includes(name)) duplicates.push(name);
    seen.set(name, i);
  });
  if (duplicates.length > 0) {
    throw new HetfxError(
      `Cannot read CSV: duplicate column name${duplicates.length > 1 ? "s" : ""} ` +
        `${duplicates.map((d) => `"${d}"`).join(", ")} in the header; rename them so every column` +
        " name is unique.",
    );
  }
}

/**
 * The error for a record on `line` with `fields` fields where the header has `expected`.
 *
 * @example
 * ```ts
 * import { fieldCountError } from "./csv.ts";
 * console.assert(fieldCountError(9, 4, 3).message.includes("line 9 has 4 fields"));
 * ```
 */
export function fieldCountError(line: number, fields: number, expected: number): HetfxError {
  return new HetfxError(
    `Cannot read CSV: line ${line} has ${fields} fields, the header has ${expected}; check for ` +
      "an unquoted comma or a missing separator on that line.",
  );
}

/**
 * The error for a quote that is not closed; `where` says where, e.g. "on line 6".
 *
 * @example
 * ```ts
 * import { unterminatedQuoteError } from "./csv.ts";
 * console.assert(unterminatedQuoteError("on line 6").message.includes("quote on line 6"));
 * ```
 */
export function unterminatedQuoteError(where: string): HetfxError {
  return new HetfxError(
    `Cannot read CSV: unterminated quote ${where}; close it with " (a quote inside a quoted ` +
      'field is written "").',
  );
}

/** Split text into records, tracking the physical line each starts on. */
function splitRecords(text: string): RawRecord[] {
  const records: RawRecord[] = [];
  let fields: string[] = [];
  let field = "";
  let line = 1;
  let recordLine = 1;
  let quotedRecord = false;
  let i = 0;
  const n = text.length;
  const endRecord = () => {
    fields.push(field);
    records.push({
      fields,
      line: recordLine,
      blank: fields.length === 1 && fields[0] === "" && !quotedRecord,
    });
    fields = [];
    field = "";
    quotedRecord = false;
  };
  while (i < n) {
    const c = text[i];
    if (c === '"' && field === "") {
      // Quoted field.
      quotedRecord = true;
      const quoteLine = line;
      i++;
      let closed = false;
      while (i < n) {
        const d = text[i];
        if (d === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          closed = true;
          i++;
          break;
        }
        if (d === "\n") line++;
        field += d;
        i++;
      }
      if (!closed) {
        throw unterminatedQuoteError(`in the field that starts on line ${quoteLine}`);
      }
      const next = text[i];
      if (i < n && next !== "," && next !== "\n" && next !== "\r") {
        throw new HetfxError(
          `Cannot read CSV: line ${line} has the character ${JSON.stringify(next)} right after a ` +
            'closing quote; quote the whole field and write an inner quote as "".',
        );
      }
      continue;
    }
    if (c === ",") {
      fields.push(field);
      field = "";
      i++;
    } else if (c === "\r" && text[i + 1] === "\n") {
      endRecord();
      line++;
      recordLine = line;
      i += 2;
    } else if (c === "\n" || c === "\r") {
      endRecord();
      line++;
      recordLine = line;
      i++;
    } else {
      let j = i + 1;
      while (j < n) {
        const d = text[j];
        if (d === "," || d === "\n" || d === "\r") break;
        j++;
      }
      field += text.slice(i, j);
      i = j;
    }
  }
  // The last record, unless the text ended with a line break (one trailing empty line).
  if (field !== "" || fields.length > 0 || quotedRecord) endRecord();
  return records;
}
