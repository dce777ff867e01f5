// A local HTTP server standing in for a Slack-compatible incoming webhook: records each POSTed
// `{"text": …}` body; can be told to fail.
import * as http from 'http';
import type { AddressInfo } from 'net';

export interface WebhookCapture {
  readonly url: string;
  readonly texts: string[];
  /** HTTP status to answer with (default 200). */
  status: number;
  close(): Promise<void>;
}

export async function startWebhookCapture(): Promise<WebhookCapture> {
  const texts: string[] = [];
  const capture = { texts, status: 200 } as { texts: string[]; status: number; url: string; close: () => Promise<void> };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.method === 'POST' && req.headers['content-type'] === 'application/json') texts.push((JSON.parse(body) as { text: string }).text);
      res.writeHead(capture.status);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  capture.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/sEcReTpAtH`;
  capture.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return capture;
}
