/**
 * A family as users write it, "cumulative", "cumulative(probit)", 'cumulative("logit")' or
 * "cumulative(link = probit)", read into the spec's family name and link. Only families with
 * several links (FAMILY_ROLES's `links`) take one; for the others the text is left for
 * validateSpec, which explains that hetfx uses their canonical link.
 */
import { HetfxError } from "../errors.ts";
import { type Family, FAMILY_ROLES } from "./model_spec.ts";

/** The links family `name` takes (its default first), or null when it takes one only. */
export function familyLinks(name: string): readonly string[] | null {
  const roles = (FAMILY_ROLES as Record<string, { links?: readonly string[] }>)[name];
  return roles?.links ?? null;
}

/**
 * `{ family, link }` from a family text and an optional separate link (`{ link: "probit" }`,
 * `--link probit`); the link is absent when it is the family's default.
 *
 * @example
 * ```ts
 * import { familyAndLink } from "./family_link.ts";
 * const f = familyAndLink('cumulative("probit")');
 * console.assert(f.family === "cumulative" && f.link === "probit");
 * console.assert(familyAndLink("cumulative", "logit").link === undefined);
 * ```
 */
export function familyAndLink(text: string, link?: string): { family: Family; link?: string } {
  const m = /^\s*(\w+)\s*\(\s*(?:link\s*=\s*)?["']?([\w.]+)["']?\s*\)\s*$/.exec(String(text));
  const name = m ? m[1] : String(text).trim();
  const links = familyLinks(name);
  if (links === null) {
    if (link !== undefined) {
      throw new HetfxError(
        `Cannot build model: family "${name}" takes no link option (only ${
          withLinks().join(", ")
        } do); leave the link out.`,
      );
    }
    return { family: text as Family };
  }
  if (m && link !== undefined && m[2] !== link) {
    throw new HetfxError(
      `Cannot build model: the link is given twice ("${m[2]}" in "${text}", "${link}" in the ` +
        `options); give it once.`,
    );
  }
  const chosen = link ?? m?.[2] ?? links[0];
  if (!links.includes(chosen)) {
    throw new HetfxError(
      `Cannot build model: family "${name}" has no link "${chosen}" (links: ${links.join(", ")}).`,
    );
  }
  return chosen === links[0]
    ? { family: name as Family }
    : { family: name as Family, link: chosen };
}

function withLinks(): string[] {
  return Object.keys(FAMILY_ROLES).filter((f) => familyLinks(f) !== null);
}
