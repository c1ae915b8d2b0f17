/**
 * The plain-JSON Vega-Lite spec type lib/display produces, and the schema it declares.
 */

/** URL of the Vega-Lite v5 JSON schema every spec here declares in `$schema`. */
export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** MIME type under which notebooks render a Vega-Lite v5 spec. */
export const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";

/** A JSON value. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/**
 * A Vega-Lite top-level spec as plain JSON data: serialisable with `JSON.stringify`, inspectable,
 * rendered only by lib/display/render.ts.
 */
export interface VegaLiteSpec {
  $schema?: string;
  [key: string]: JsonValue | undefined;
}
