"""Sends messages with Python's smtplib, one connection each, and answers what the server replied
at the step that ended the transaction (MAIL, RCPT or the end of DATA), so a test sees a refusal
exactly where it came. Reads {"port": n, "jobs": [{"from", "to": [...], "message": base64}]} on
stdin, writes [[code, text, step], ...] on stdout.
"""
import base64
import json
import smtplib
import sys


def send(port, job):
    try:
        with smtplib.SMTP('127.0.0.1', port, timeout=30) as s:
            s.ehlo('client.outside.example')
            code, text = s.mail(job['from'])
            if code != 250:
                return [code, text.decode('latin1'), 'mail']
            for rcpt in job['to']:
                code, text = s.rcpt(rcpt)
                if code not in (250, 251):
                    return [code, text.decode('latin1'), 'rcpt']
            code, text = s.data(base64.b64decode(job['message']))
            return [code, text.decode('latin1'), 'data']
    except smtplib.SMTPResponseException as e:
        return [e.smtp_code, e.smtp_error.decode('latin1'), 'error']
    except (smtplib.SMTPException, OSError) as e:
        return [0, str(e), 'error']


def main():
    request = json.load(sys.stdin)
    json.dump([send(request['port'], job) for job in request['jobs']], sys.stdout)


if __name__ == '__main__':
    main()
