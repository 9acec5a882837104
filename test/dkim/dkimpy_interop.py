"""Interop helper for the mailroute DKIM tests: drives Debian's python3-dkim (dkimpy).

Reads a JSON request on stdin and writes a JSON answer on stdout, so one process serves a batch.

{"verify": [base64 message, ...], "records": {name: TXT value}}
    -> [[bool per signature], ...]; key lookups are answered from "records", never from live DNS.
{"sign": [{"message": base64, "selector", "domain", "algorithm", "canonicalization", "key"}, ...]}
    -> [base64 signed message, ...]; "key" is PEM for rsa, the base64 seed for ed25519.
"""
import base64
import json
import sys

import dkim


def verify_all(messages, records):
    def dnsfunc(name, timeout=5):
        key = name.decode('ascii') if isinstance(name, bytes) else name
        return records.get(key.rstrip('.'), '').encode('ascii')

    def verify_one(d, i):
        # dkimpy raises on some failures (a body hash mismatch) and returns False on others.
        try:
            return bool(d.verify(idx=i, dnsfunc=dnsfunc))
        except dkim.DKIMException:
            return False

    out = []
    for encoded in messages:
        d = dkim.DKIM(base64.b64decode(encoded))
        count = sum(1 for (k, _v) in d.headers if k.lower() == b'dkim-signature')
        out.append([verify_one(d, i) for i in range(count)])
    return out


def sign_all(jobs):
    out = []
    for job in jobs:
        message = base64.b64decode(job['message'])
        header, body = job['canonicalization'].split('/')
        signature = dkim.sign(
            message,
            job['selector'].encode(),
            job['domain'].encode(),
            job['key'].encode(),
            canonicalize=(header.encode(), body.encode()),
            signature_algorithm=job['algorithm'].encode(),
            include_headers=[b'from', b'to', b'subject', b'date', b'message-id'],
        )
        out.append(base64.b64encode(signature + message).decode('ascii'))
    return out


def main():
    request = json.load(sys.stdin)
    if 'verify' in request:
        json.dump(verify_all(request['verify'], request['records']), sys.stdout)
    else:
        json.dump(sign_all(request['sign']), sys.stdout)


main()
