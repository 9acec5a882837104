"""Python side of the gateway's end-to-end tests: sends with smtplib and verifies DKIM with
Debian's python3-dkim (dkimpy). Reads one JSON request on stdin, writes one JSON answer.

{"send": {"port", "from", "to": [...], "message": base64, "starttls": bool, "user", "password", "source": ip}}
    -> {"ok": bool, "refused": {rcpt: [code, text]}, "error": [code, text] | null}
{"verify": {"message": base64, "records": {name: TXT value}}}
    -> {"results": [bool per DKIM-Signature], "domains": [...]}
"""
import base64
import json
import smtplib
import ssl
import sys

import dkim


def send(job):
    source = (job['source'], 0) if job.get('source') else None
    answer = {'ok': False, 'refused': {}, 'error': None}
    try:
        with smtplib.SMTP('127.0.0.1', job['port'], timeout=20, source_address=source) as s:
            s.ehlo('client.outside.example')
            if job.get('starttls'):
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                s.starttls(context=context)
                s.ehlo('client.outside.example')
            if job.get('user'):
                s.login(job['user'], job['password'])
            refused = s.sendmail(job['from'], job['to'], base64.b64decode(job['message']))
            answer['ok'] = True
            answer['refused'] = {k: [v[0], v[1].decode('latin1')] for k, v in refused.items()}
    except smtplib.SMTPRecipientsRefused as e:
        answer['refused'] = {k: [v[0], v[1].decode('latin1')] for k, v in e.recipients.items()}
    except smtplib.SMTPConnectError as e:
        answer['error'] = [e.smtp_code, e.smtp_error.decode('latin1')]
    except smtplib.SMTPResponseException as e:
        answer['error'] = [e.smtp_code, e.smtp_error.decode('latin1')]
    except (smtplib.SMTPServerDisconnected, ConnectionError) as e:
        answer['error'] = [0, str(e)]
    return answer


def verify(job):
    records = job['records']

    def dnsfunc(name, timeout=5):
        key = name.decode('ascii') if isinstance(name, bytes) else name
        return records.get(key.rstrip('.'), '').encode('ascii')

    message = base64.b64decode(job['message'])
    d = dkim.DKIM(message)
    count = sum(1 for (k, _v) in d.headers if k.lower() == b'dkim-signature')
    results = []
    for i in range(count):
        try:
            results.append(bool(d.verify(idx=i, dnsfunc=dnsfunc)))
        except dkim.DKIMException:
            results.append(False)
    return {'results': results}


def main():
    request = json.load(sys.stdin)
    if 'send' in request:
        json.dump(send(request['send']), sys.stdout)
    else:
        json.dump(verify(request['verify']), sys.stdout)


if __name__ == '__main__':
    main()
