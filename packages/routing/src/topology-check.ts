import { nameKey } from '@mailroute/envelope/notes-name';
import type { DirectoryData } from './model.js';
import { normalizeDomain } from './names.js';
import type { ProblemList } from './validate.js';

/** For each list, the input index of each kept document, so problem paths point into the input. */
export interface InputIndexes {
  readonly persons: readonly number[];
  readonly servers: readonly number[];
  readonly connections: readonly number[];
  readonly domains: readonly number[];
  readonly globalDomains: readonly number[];
  readonly configurations: readonly number[];
}

/**
 * Cross-document checks that single documents cannot make: unknown servers, dangling connections,
 * cycles of non-adjacent domains, duplicate names. Linear in the directory size; never throws.
 */
export function checkTopology(data: DirectoryData, at: InputIndexes, problems: ProblemList): void {
  const servers = new Map<string, string>();
  data.servers.forEach((s, i) => {
    const key = nameKey(s.name);
    if (servers.has(key)) {
      problems.add(
        `servers[${at.servers[i]}].name`,
        `duplicate server ${s.name}; the first document is used`,
      );
    } else {
      servers.set(key, s.domain);
    }
  });

  const foreignLabels = new Set<string>();
  for (const d of data.domains) {
    if (d.type === 'foreignSmtp' && d.routeToDomain !== undefined)
      foreignLabels.add(nameKey(d.routeToDomain));
  }
  const knownDomains = new Set<string>([...servers.values()].map(nameKey));
  for (const d of data.domains) if (d.type !== 'foreignSmtp') knownDomains.add(nameKey(d.name));
  for (const label of foreignLabels) knownDomains.add(label);

  data.connections.forEach((c, i) => {
    const path = `connections[${at.connections[i]}]`;
    const srcDomain = servers.get(nameKey(c.source));
    if (srcDomain === undefined) {
      problems.add(`${path}.source`, `unknown server ${c.source}; connection left out of the routing graph`);
      return;
    }
    if (c.destinationDomain !== undefined) knownDomains.add(nameKey(c.destinationDomain));
    const destKnown = servers.has(nameKey(c.destination));
    const toOtherDomain =
      c.destinationDomain !== undefined &&
      (foreignLabels.has(nameKey(c.destinationDomain)) ||
        nameKey(c.destinationDomain) !== nameKey(srcDomain));
    if (!destKnown && !toOtherDomain) {
      problems.add(
        `${path}.destination`,
        `dangling connection: server ${c.destination} is not in the directory and no other destination domain is given`,
      );
    }
    if (nameKey(c.source) === nameKey(c.destination)) {
      problems.add(`${path}.destination`, 'connection from a server to itself; ignored', 'warning');
    }
  });

  data.persons.forEach((p, i) => {
    if (p.mailServer === undefined) return;
    if (p.mailDomain !== undefined) return; // a server of another Notes domain need not be listed here
    if (!servers.has(nameKey(p.mailServer))) {
      problems.add(`persons[${at.persons[i]}].mailServer`, `unknown server ${p.mailServer}`, 'warning');
    }
  });

  checkDomainCycles(data, at, knownDomains, problems);

  let defaults = 0;
  const claimed = new Map<string, number>();
  data.globalDomains.forEach((g, i) => {
    const path = `globalDomains[${at.globalDomains[i]}]`;
    if (g.isDefault && ++defaults > 1) {
      problems.add(`${path}.isDefault`, 'more than one default Global Domain document', 'warning');
    }
    for (const d of [g.primaryDomain, ...g.aliases]) {
      const norm = normalizeDomain(d) ?? d;
      const other = claimed.get(norm);
      if (other !== undefined && other !== i) {
        problems.add(
          path,
          `Internet domain ${d} is also listed in globalDomains[${at.globalDomains[other]}]`,
          'warning',
        );
      } else {
        claimed.set(norm, i);
      }
    }
  });

  const configured = new Set<string>();
  data.configurations.forEach((c, i) => {
    const path = `configurations[${at.configurations[i]}].server`;
    const key = c.server === '*' ? '*' : nameKey(c.server);
    if (configured.has(key))
      problems.add(path, `second Configuration Settings document for ${c.server}; ignored`, 'warning');
    configured.add(key);
    if (key !== '*' && !servers.has(key)) problems.add(path, `unknown server ${c.server}`, 'warning');
  });
}

/** Non-adjacent domains routed through each other in a circle can never be reached: name the circle. */
function checkDomainCycles(
  data: DirectoryData,
  at: InputIndexes,
  knownDomains: Set<string>,
  problems: ProblemList,
): void {
  const via = new Map<string, { via: string; index: number; name: string }>();
  data.domains.forEach((d, i) => {
    if (d.type === 'nonAdjacent' && !via.has(nameKey(d.name))) {
      via.set(nameKey(d.name), { via: nameKey(d.via), index: i, name: d.name });
    }
  });
  const reported = new Set<string>();
  for (const [start, first] of via) {
    if (!knownDomains.has(first.via) && !via.has(first.via)) {
      problems.add(
        `domains[${at.domains[first.index]}].via`,
        `route-through domain ${first.via} is not reachable from any connection or domain document`,
        'warning',
      );
    }
    // Follow the chain; the map is finite, so a revisit means a cycle.
    const seen: string[] = [start];
    let cur = first.via;
    while (via.has(cur)) {
      const loopAt = seen.indexOf(cur);
      if (loopAt >= 0) {
        const cycle = seen.slice(loopAt);
        const id = [...cycle].sort().join('>');
        if (!reported.has(id)) {
          reported.add(id);
          const names = [...cycle, cur].map((k) => via.get(k)?.name ?? k).join(' -> ');
          problems.add(
            `domains[${at.domains[via.get(cur)!.index]}].via`,
            `cycle of non-adjacent domains: ${names}`,
          );
        }
        break;
      }
      seen.push(cur);
      cur = via.get(cur)!.via;
    }
  }
}
