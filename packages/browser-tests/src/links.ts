import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';

export interface BrokenLink {
  page: string;
  link: string;
}

function htmlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return htmlFiles(full);
    return name.endsWith('.html') ? [full] : [];
  });
}

/** The file a site-relative URL path serves (VitePress: `/a/` -> a/index.html, `/a` or `/a.html` -> a.html). */
function target(site: string, path: string): string | undefined {
  const clean = decodeURIComponent(path);
  const candidates = clean.endsWith('/')
    ? [`${clean}index.html`]
    : [clean, `${clean}.html`, `${clean}/index.html`];
  return candidates.map((c) => join(site, c)).find((f) => existsSync(f) && statSync(f).isFile());
}

/**
 * Every internal link (a href, img src) of every built page that does not resolve to a built file,
 * including `#anchors` that name no id on the target page.
 */
export function brokenLinks(site: string): { pages: number; links: number; broken: BrokenLink[] } {
  const pages = htmlFiles(site);
  const ids = new Map<string, Set<string>>();
  const idsOf = (file: string) => {
    let set = ids.get(file);
    if (!set) {
      set = new Set([...readFileSync(file, 'utf8').matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!));
      ids.set(file, set);
    }
    return set;
  };
  const broken: BrokenLink[] = [];
  let links = 0;
  for (const file of pages) {
    const html = readFileSync(file, 'utf8');
    const pagePath = `/${relative(site, file).split(sep).join('/')}`;
    for (const m of html.matchAll(/<(?:a|img)\s[^>]*?(?:href|src)="([^"]*)"/g)) {
      const link = m[1]!.replace(/&amp;/g, '&');
      if (/^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith('//')) continue;
      links++;
      const [pathPart, hash] = link.split('#') as [string, string | undefined];
      const resolved =
        pathPart === ''
          ? pagePath
          : pathPart.startsWith('/')
            ? pathPart
            : posix.join(posix.dirname(pagePath), pathPart);
      const hit = target(site, resolved.split('?')[0]!);
      if (!hit) broken.push({ page: pagePath, link });
      else if (hash && hit.endsWith('.html') && !idsOf(hit).has(decodeURIComponent(hash)))
        broken.push({ page: pagePath, link });
    }
  }
  return { pages: pages.length, links, broken };
}
