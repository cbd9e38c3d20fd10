"""A minimal SMTP sink for the tests (`smtpd` left the standard library in Python 3.13).

It speaks just enough SMTP for Django's backend (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT),
keeps every accepted message in `messages`, and can refuse recipients with a 550 or answer
slowly, so tests see what a real mail server does.
"""

import socketserver
import threading
import time
from email import message_from_bytes


class SMTPSink:
    def __init__(self):
        self.messages = []  # email.message.Message objects, in the order accepted.
        self.refuse_recipients = False
        self.delay = 0.0  # Seconds before each reply.
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                if sink.delay:
                    time.sleep(sink.delay)
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self):
                self.reply("220 sink.test ESMTP ready")
                recipients = []
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    command = line.decode(errors="replace").strip()
                    verb = command[:4].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 sink.test")
                    elif verb == "MAIL":
                        recipients = []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        if sink.refuse_recipients:
                            address = command.partition(":")[2].strip()
                            self.reply(f"550 5.1.1 {address}: no such user here")
                        else:
                            recipients.append(command.partition(":")[2].strip())
                            self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        body = []
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                            body.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                        with sink.lock:
                            sink.messages.append(message_from_bytes(b"".join(body)))
                        self.reply("250 OK queued")
                    elif verb in ("RSET", "NOOP"):
                        self.reply("250 OK")
                    elif verb == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:
                        self.reply("502 Command not implemented")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.lock = threading.Lock()
        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def recipients(self) -> list[str]:
        with self.lock:
            return [message["To"] for message in self.messages]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
