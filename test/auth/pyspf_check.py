"""Run pyspf (Debian python3-spf) over the scenarios in a JSON file; print one result per line as JSON.

Each scenario: {"zone": {name: {"A": [...], "AAAA": [...], "MX": [[pref, host]], "TXT": [...], "PTR": [...]}},
"ip": ..., "sender": ..., "helo": ...}. DNS answers come from the zone only (spf.DNSLookup is replaced).
"""
import json
import sys

import spf


def lookup_for(zone):
    def lookup(name, qtype, tcpfallback=True, timeout=30):
        entry = zone.get(name.lower().rstrip('.'))
        if entry is None:
            return []
        out = []
        for value in entry.get(qtype, []):
            if qtype == 'MX':
                out.append(((name, qtype), (value[0], value[1])))
            elif qtype == 'TXT':
                out.append(((name, qtype), [value.encode()]))
            else:
                out.append(((name, qtype), value))
        return out
    return lookup


def main():
    scenarios = json.load(open(sys.argv[1]))
    for s in scenarios:
        spf.DNSLookup = lookup_for(s['zone'])
        result, _code, _explanation = spf.query(i=s['ip'], s=s['sender'], h=s['helo']).check()
        print(json.dumps(result))


main()
