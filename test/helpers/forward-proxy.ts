// A forwarding HTTP proxy on 127.0.0.1 that records what passes through it:
// plain-http requests arrive with an absolute URL (that is how a client talks
// to a proxy) and are forwarded to their loopback target; CONNECT tunnels are
// recorded and refused. Targets other than loopback are refused, so a test
// never reaches beyond this machine.

import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ProxiedRequest {
  method: string;
  /** The absolute URL the client asked the proxy for. */
  url: string;
  headers: IncomingMessage['headers'];
}

export interface ForwardProxy {
  /** `http://127.0.0.1:<port>` */
  url: string;
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export async function startForwardProxy(): Promise<ForwardProxy> {
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((incoming, response) => {
    const url = incoming.url ?? '/';
    requests.push({ method: incoming.method ?? 'GET', url, headers: incoming.headers });
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      response.writeHead(400, { 'content-type': 'text/plain' });
      return response.end('forward proxy: expected an absolute URL\n');
    }
    if (target.protocol !== 'http:' || !LOOPBACK.has(target.hostname)) {
      response.writeHead(502, { 'content-type': 'text/plain' });
      return response.end('forward proxy: only loopback targets in tests\n');
    }
    const headers = { ...incoming.headers };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const outgoing = httpRequest(
      { host: target.hostname === 'localhost' ? '127.0.0.1' : target.hostname.replace(/^\[|\]$/g, ''), port: target.port, method: incoming.method, path: `${target.pathname}${target.search}`, headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    outgoing.on('error', (error) => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(`forward proxy: ${error.message}\n`);
    });
    incoming.pipe(outgoing);
  });
  server.on('connect', (incoming: IncomingMessage, socket: Socket) => {
    requests.push({ method: 'CONNECT', url: incoming.url ?? '', headers: incoming.headers });
    socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** A loopback URL nobody listens on (a server is started and closed to find a free port). */
export async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
