# Independent reference for the itemizer's MIME tests: Python's `email` package (Debian's
# /usr/bin/python3) parses each file given on the command line and prints, per file, every
# entity of its tree in walk() order with its content type and, for leaves, the SHA-256 of
# get_payload(decode=True). Output: one JSON object {path: [...]} on stdout.
import email
import hashlib
import json
import sys



def walk(part):
    # Like Message.walk(), but message/* types other than rfc822 and global are leaves, as
    # they are for the itemizer (Python parses delivery-status and friends as header blocks).
    yield part
    ctype = part.get_content_type()
    if ctype.startswith('message/') and ctype not in ('message/rfc822', 'message/global'):
        return
    if part.is_multipart():
        for sub in part.get_payload():
            yield from walk(sub)


out = {}
for path in sys.argv[1:]:
    with open(path, 'rb') as fh:
        msg = email.message_from_binary_file(fh)
    parts = []
    for part in walk(msg):
        entry = {'type': part.get_content_type(), 'multipart': part.is_multipart()}
        if not part.is_multipart() and not isinstance(part.get_payload(), list):
            payload = part.get_payload(decode=True)
            if payload is not None:
                entry['sha256'] = hashlib.sha256(payload).hexdigest()
                entry['size'] = len(payload)
                entry['sha256_lf'] = hashlib.sha256(payload.replace(b'\r\n', b'\n')).hexdigest()
        entry['defects'] = [type(d).__name__ for d in part.defects]
        parts.append(entry)
    out[path] = parts
json.dump(out, sys.stdout)
