# Independent reader for messages the itemizer built: Python's `email` package with its modern
# policy (email.policy.default) parses each file named on the command line and prints, per file,
# what a mail reader would see, and every defect it found in any header or part.
import email
import hashlib
import json
import sys
from email import policy


def groups(header):
    if header is None:
        return None
    return [[g.display_name, [[a.display_name, a.addr_spec] for a in g.addresses]] for g in header.groups]


out = {}
for path in sys.argv[1:]:
    with open(path, 'rb') as fh:
        msg = email.message_from_binary_file(fh, policy=policy.default)
    defects = []
    parts = []
    files = []
    for part in msg.walk():
        ctype = part.get_content_type()
        parts.append([ctype, part.get('Content-Transfer-Encoding'), part.get_content_disposition(), part.get_filename()])
        defects += [[ctype, type(d).__name__] for d in part.defects]
        for name, value in part.items():
            defects += [[ctype, name, type(d).__name__] for d in getattr(value, 'defects', [])]
        if part.is_multipart() or ctype.startswith('message/'):
            continue
        if part.get_content_disposition() == 'attachment' or part.get_filename() is not None:
            payload = part.get_payload(decode=True) or b''
            files.append([part.get_filename(), hashlib.sha256(payload).hexdigest(), len(payload)])
    plain = msg.get_body(('plain',))
    html = msg.get_body(('html',))

    def content(part):
        if part is None:
            return None
        try:
            return part.get_content()
        except LookupError:  # a charset Python does not know (kept as declared by the sender)
            return None

    out[path] = {
        'defects': defects,
        'parts': parts,
        'files': files,
        'subject': str(msg['subject']) if msg['subject'] is not None else None,
        'date': msg['date'].datetime.isoformat() if msg['date'] is not None else None,
        'from': groups(msg['from']),
        'sender': groups(msg['sender']),
        'to': groups(msg['to']),
        'cc': groups(msg['cc']),
        'bcc': msg['bcc'] is not None,
        'plain': content(plain),
        'html': content(html),
        'count': {name: len(msg.get_all(name, [])) for name in ('date', 'subject', 'from', 'to', 'message-id', 'mime-version')},
    }
json.dump(out, sys.stdout)
