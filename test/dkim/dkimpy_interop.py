"""Interop helper for the mailroute DKIM tests: drives Debian's python3-dkim (dkimpy).

verify: reads a message on stdin, answers key lookups from the JSON object in DKIM_RECORDS
        (name -> TXT value) instead of live DNS, prints a JSON list of booleans, one per signature.
sign <selector> <domain> <algorithm> <canonicalization>: reads the message on stdin and the key from
        DKIM_PRIVATE_KEY (PEM for rsa, base64 seed for ed25519), prints the signed message.
"""
import json
import os
import sys

import dkim


def main():
    message = sys.stdin.buffer.read()
    if sys.argv[1] == 'verify':
        records = json.loads(os.environ['DKIM_RECORDS'])

        def dnsfunc(name, timeout=5):
            key = name.decode('ascii').rstrip('.') if isinstance(name, bytes) else name.rstrip('.')
            return records.get(key, '').encode('ascii')

        def verify_one(d, i):
            # dkimpy raises on some failures (a body hash mismatch) and returns False on others.
            try:
                return bool(d.verify(idx=i, dnsfunc=dnsfunc))
            except dkim.DKIMException:
                return False

        d = dkim.DKIM(message)
        count = sum(1 for (k, _v) in d.headers if k.lower() == b'dkim-signature')
        print(json.dumps([verify_one(d, i) for i in range(count)]))
    elif sys.argv[1] == 'sign':
        selector, domain, algorithm, canon = sys.argv[2:6]
        header, body = canon.split('/')
        signature = dkim.sign(
            message,
            selector.encode(),
            domain.encode(),
            os.environ['DKIM_PRIVATE_KEY'].encode(),
            canonicalize=(header.encode(), body.encode()),
            signature_algorithm=algorithm.encode(),
            include_headers=[b'from', b'to', b'subject', b'date', b'message-id'],
        )
        sys.stdout.buffer.write(signature + message)
    else:
        raise SystemExit('usage: dkimpy_interop.py verify | sign ...')


main()
