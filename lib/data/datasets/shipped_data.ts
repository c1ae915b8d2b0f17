/**
 * Where the data files shipped with hetfx (data/ in the repository) are, whatever the working
 * folder of the script that loads them.
 */

/**
 * The path of a file in the repository's data/ folder, resolved from this module's location.
 *
 * @example
 * ```ts
 * import { shippedDataPath } from "./shipped_data.ts";
 * console.assert(shippedDataPath("tomz_weeks_2017.csv").endsWith("/data/tomz_weeks_2017.csv"));
 * ```
 */
export function shippedDataPath(file: string): string {
  const url = new URL(`../../../data/${file}`, import.meta.url);
  return url.protocol === "file:" ? decodeURIComponent(url.pathname) : `data/${file}`;
}
