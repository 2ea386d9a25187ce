#!/usr/bin/env python3
r"""A fault-injecting DNS server for tests, driven by a JSON rules file that it re-reads.

Usage:
    faultdns.py --listen 127.0.0.1 --port 0 --rules RULES.json [--upstream 127.0.0.1:PORT]

It binds the same port for UDP and TCP (0 picks a free one), then prints `ready PORT`.
RULES.json looks like
    {"generation": 3,
     "rules": [{"suffix": "slow.example.test", "qtype": "TXT", "action": "slow:300"}],
     "default": "proxy"}
and is re-read whenever it changes (checked before every query and every 10 ms); after each
load the server prints `loaded GENERATION`. The first rule whose suffix matches the query
name (case-insensitive, on a label boundary; "" or "." matches every name) and whose qtype,
if given, matches decides the action:

    servfail | refused | nxdomain | formerr   answer with that rcode
    drop                                      never answer
    garbage                                   send random bytes (never the query's id)
    wrong_id                                  a valid answer under a different message id
    slow:MS                                   proxy, answer MS milliseconds after the query came
    truncate_tcp_fail                         UDP: TC=1 and no records; TCP: close the connection
    proxy                                     forward to --upstream (UDP, then TCP if truncated
                                              and the client came over TCP) and relay the answer
    answer:RR\nRR...                          answer with these zone-file records (relative names
                                              are relative to the query name, default TTL 60)

An unknown action is logged to stderr and answered with SERVFAIL. `TXT _generation.faultdns.`
answers with the generation of the rules in force.
"""
import argparse
import concurrent.futures
import heapq
import json
import os
import random
import socket
import struct
import sys
import threading
import time

from dnslib import QTYPE, RCODE, RR, TXT, DNSRecord

GENERATION_NAME = "_generation.faultdns"
GENERATION = object()  # the action for GENERATION_NAME, which no rules file can name
UPSTREAM_TIMEOUT = 2.0

stdout_lock = threading.Lock()


def say(line):
    with stdout_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def log(message):
    sys.stderr.write("faultdns: " + message + "\n")
    sys.stderr.flush()


class Rules:
    """The rules file's current contents, reloaded when its stat signature changes."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.signature = None
        self.rules = []
        self.default = "refused"
        self.generation = 0
        self.refresh()

    def refresh(self):
        try:
            st = os.stat(self.path)
        except OSError as error:
            log(f"cannot stat rules file {self.path}: {error}")
            return
        signature = (st.st_ino, st.st_mtime_ns, st.st_size)
        with self.lock:
            if signature == self.signature:
                return
            try:
                with open(self.path, "rb") as f:
                    data = json.load(f)
                rules = [
                    (normalize(r.get("suffix", "")), (r.get("qtype") or "").upper(), str(r["action"]))
                    for r in data.get("rules", [])
                ]
                default = str(data.get("default", "refused"))
                generation = int(data.get("generation", self.generation + 1))
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
                # A half-written file: keep the old rules and try again on the next change.
                log(f"cannot load rules file {self.path}: {error}")
                self.signature = signature
                return
            self.signature = signature
            self.rules = rules
            self.default = default
            self.generation = generation
        say(f"loaded {generation}")

    def action_for(self, qname, qtype):
        self.refresh()
        with self.lock:
            for suffix, rule_qtype, action in self.rules:
                if rule_qtype and rule_qtype != qtype:
                    continue
                if suffix == "" or qname == suffix or qname.endswith("." + suffix):
                    return action
            return self.default

    def current_generation(self):
        self.refresh()
        with self.lock:
            return self.generation

    def watch(self):
        while True:
            time.sleep(0.01)
            self.refresh()


def normalize(name):
    return name.strip().rstrip(".").lower()


def make_reply(query, aa=1):
    # dnslib copies the query's flag bits; an answer must not echo AD or TC back.
    reply = query.reply(ra=0, aa=aa)
    reply.header.ad = 0
    reply.header.tc = 0
    return reply


def rcode_reply(query, rcode):
    reply = make_reply(query, aa=1 if rcode == RCODE.NXDOMAIN else 0)
    reply.header.rcode = rcode
    return reply.pack()


class Server:
    def __init__(self, rules, upstream):
        self.rules = rules
        self.upstream = upstream

    def decide(self, data):
        """Parses a query and picks its action: returns (query, action), or None for junk."""
        try:
            query = DNSRecord.parse(data)
        except Exception:  # dnslib raises several types for malformed input
            return None
        if not query.questions:
            return (query, "formerr")
        qname = normalize(str(query.q.qname))
        if qname == GENERATION_NAME:
            return (query, GENERATION)
        qtype = QTYPE.get(query.q.qtype, str(query.q.qtype))
        return (query, self.rules.action_for(qname, qtype))

    def needs_upstream(self, action):
        """Whether the action waits on the upstream, and so must not run on the receiving thread."""
        return action == "proxy" or (isinstance(action, str) and action.startswith("slow:")) or (
            action == "wrong_id" and self.upstream is not None)

    def perform(self, query, action, data, over_tcp, received):
        """Returns ("reply", bytes, due) with the monotonic time to send it at, ("drop",) or ("close",)."""
        simple = {"servfail": RCODE.SERVFAIL, "refused": RCODE.REFUSED,
                  "nxdomain": RCODE.NXDOMAIN, "formerr": RCODE.FORMERR}
        if action is GENERATION:
            reply = make_reply(query)
            reply.add_answer(RR(query.q.qname, QTYPE.TXT, ttl=0,
                                rdata=TXT(str(self.rules.current_generation()))))
            return ("reply", reply.pack(), received)
        if action in simple:
            return ("reply", rcode_reply(query, simple[action]), received)
        if action == "drop":
            return ("drop",)
        if action == "garbage":
            junk = bytearray(os.urandom(random.randint(12, 200)))
            junk[0:2] = struct.pack("!H", query.header.id ^ 0x5A5A)
            return ("reply", bytes(junk), received)
        if action == "wrong_id":
            answer = bytearray(self.proxy(query, data, over_tcp) if self.upstream
                               else make_reply(query).pack())
            answer[0:2] = struct.pack("!H", (query.header.id + 1) & 0xFFFF)
            return ("reply", bytes(answer), received)
        if action.startswith("slow:"):
            try:
                delay = int(action[len("slow:"):]) / 1000.0
            except ValueError:
                return self.unknown(action, query, received)
            return ("reply", self.proxy(query, data, over_tcp), received + delay)
        if action == "truncate_tcp_fail":
            if over_tcp:
                return ("close",)
            reply = make_reply(query)
            reply.header.tc = 1
            return ("reply", reply.pack(), received)
        if action == "proxy":
            return ("reply", self.proxy(query, data, over_tcp), received)
        if action.startswith("answer:"):
            return ("reply", self.answer(action[len("answer:"):], query, over_tcp), received)
        return self.unknown(action, query, received)

    def unknown(self, action, query, received):
        log(f"unknown action {action!r} for {query.q.qname}; answering SERVFAIL")
        return ("reply", rcode_reply(query, RCODE.SERVFAIL), received)

    def answer(self, text, query, over_tcp):
        try:
            records = RR.fromZone(text, origin=str(query.q.qname), ttl=60)
        except Exception as error:  # dnslib's zone parser raises several types
            log(f"cannot parse answer records {text!r}: {error}; answering SERVFAIL")
            return rcode_reply(query, RCODE.SERVFAIL)
        reply = make_reply(query)
        reply.add_answer(*records)
        packed = reply.pack()
        if not over_tcp and len(packed) > udp_limit(query):
            reply = make_reply(query)
            reply.header.tc = 1
            packed = reply.pack()
        return packed

    def proxy(self, query, data, over_tcp):
        if self.upstream is None:
            log(f"no --upstream to proxy {query.q.qname} to; answering SERVFAIL")
            return rcode_reply(query, RCODE.SERVFAIL)
        try:
            answer = ask_udp(self.upstream, data, query.header.id)
            if over_tcp and answer[2] & 0x02:
                answer = ask_tcp(self.upstream, data)
            return answer
        except (OSError, ValueError) as error:
            log(f"upstream {self.upstream} failed for {query.q.qname}: {error}; answering SERVFAIL")
            return rcode_reply(query, RCODE.SERVFAIL)


def udp_limit(query):
    for rr in query.ar:
        if rr.rtype == QTYPE.OPT:
            return max(512, rr.rclass)
    return 512


def ask_udp(upstream, data, query_id):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(UPSTREAM_TIMEOUT)
        s.connect(upstream)
        s.send(data)
        while True:
            answer = s.recv(65535)
            if len(answer) >= 12 and struct.unpack("!H", answer[:2])[0] == query_id:
                return answer


def ask_tcp(upstream, data):
    with socket.create_connection(upstream, timeout=UPSTREAM_TIMEOUT) as s:
        s.sendall(struct.pack("!H", len(data)) + data)
        (length,) = struct.unpack("!H", read_exactly(s, 2))
        return read_exactly(s, length)


def read_exactly(sock, count):
    chunks = []
    while count > 0:
        chunk = sock.recv(count)
        if not chunk:
            raise ValueError("connection closed mid-message")
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)


class Scheduler:
    """Runs callbacks at a monotonic time on one thread, so a slow answer holds no worker."""

    def __init__(self):
        self.condition = threading.Condition()
        self.queue = []
        self.count = 0
        threading.Thread(target=self.run, daemon=True).start()

    def at(self, due, callback):
        with self.condition:
            heapq.heappush(self.queue, (due, self.count, callback))
            self.count += 1
            self.condition.notify()

    def run(self):
        while True:
            with self.condition:
                while not self.queue or self.queue[0][0] > time.monotonic():
                    self.condition.wait(self.queue[0][0] - time.monotonic() if self.queue else None)
                _, _, callback = heapq.heappop(self.queue)
            callback()


def serve_udp(server, sock):
    # Starting a thread costs ~0.5 ms here, so answers are made on this thread, and only those
    # that wait on the upstream go to a pool of reused workers.
    workers = concurrent.futures.ThreadPoolExecutor(max_workers=32)
    scheduler = Scheduler()
    while True:
        data, peer = sock.recvfrom(65535)
        received = time.monotonic()
        decided = server.decide(data)
        if decided is None:
            continue
        query, action = decided
        if server.needs_upstream(action):
            workers.submit(answer_udp, server, scheduler, sock, query, action, data, peer, received)
        else:
            answer_udp(server, scheduler, sock, query, action, data, peer, received)


def answer_udp(server, scheduler, sock, query, action, data, peer, received):
    try:
        outcome = server.perform(query, action, data, False, received)
    except Exception as error:  # one bad answer must not take the server down
        log(f"cannot answer {query.q.qname} with {action!r}: {error!r}")
        return
    if outcome[0] != "reply":
        return

    def send():
        try:
            sock.sendto(outcome[1], peer)
        except OSError as error:
            log(f"cannot answer {peer}: {error}")

    if outcome[2] > time.monotonic():
        scheduler.at(outcome[2], send)
    else:
        send()


def serve_tcp(server, listener):
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=answer_tcp, args=(server, conn), daemon=True).start()


def answer_tcp(server, conn):
    with conn:
        try:
            while True:
                header = conn.recv(2, socket.MSG_WAITALL)
                if len(header) < 2:
                    return
                (length,) = struct.unpack("!H", header)
                data = read_exactly(conn, length)
                received = time.monotonic()
                decided = server.decide(data)
                if decided is None:
                    return
                outcome = server.perform(decided[0], decided[1], data, True, received)
                if outcome[0] == "close":
                    return
                if outcome[0] == "reply":
                    delay = outcome[2] - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    conn.sendall(struct.pack("!H", len(outcome[1])) + outcome[1])
        except (OSError, ValueError):
            return
        except Exception as error:  # one bad answer must not leave the client hanging unnoticed
            log(f"closing a TCP connection after an error: {error!r}")


def bind(listen, port):
    """Binds UDP and TCP on one port; with port 0, retries until a free port takes both."""
    for _ in range(50):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind((listen, port))
        chosen = udp.getsockname()[1]
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            tcp.bind((listen, chosen))
            tcp.listen(128)
            return udp, tcp, chosen
        except OSError:
            udp.close()
            tcp.close()
            if port != 0:
                raise
    raise OSError(f"no port on {listen} was free for both UDP and TCP")


def parse_address(text):
    host, sep, port = text.replace("@", ":").rpartition(":")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return (host, int(port))


def exit_on_stdin_eof():
    # The parent holds our stdin open; when it dies, however it dies, we go too.
    while sys.stdin.buffer.read(4096):
        pass
    os._exit(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--rules", required=True)
    parser.add_argument("--upstream", type=parse_address)
    parser.add_argument("--exit-on-stdin-eof", action="store_true",
                        help="exit when standard input closes (the parent went away)")
    args = parser.parse_args()

    rules = Rules(args.rules)
    server = Server(rules, args.upstream)
    udp, tcp, port = bind(args.listen, args.port)
    threads = [
        threading.Thread(target=rules.watch, daemon=True),
        threading.Thread(target=serve_udp, args=(server, udp), daemon=True),
        threading.Thread(target=serve_tcp, args=(server, tcp), daemon=True),
    ]
    if args.exit_on_stdin_eof:
        threads.append(threading.Thread(target=exit_on_stdin_eof, daemon=True))
    for thread in threads:
        thread.start()
    say(f"ready {port}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
