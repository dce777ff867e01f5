// Delivers alert messages to a Slack-compatible incoming webhook (`{"text": …}` POST). Failures
// are logged without the URL's path (which is the webhook's secret) and never thrown.
import * as http from 'http';
import * as https from 'https';
import { Logger } from './logger';

export interface WebhookSender {
  send(text: string): Promise<boolean>;
}

/** What may be logged about a webhook URL: scheme, host and port only. */
export function describeWebhook(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return '(invalid URL)';
  }
}

export function createWebhookSender(url: string, logger: Logger, options: { timeoutMs?: number; attempts?: number } = {}): WebhookSender {
  const timeoutMs = options.timeoutMs ?? 5000;
  const attempts = options.attempts ?? 2;
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;

  const postOnce = (body: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const request = transport.request(
        target,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: timeoutMs },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
          response.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      request.on('error', reject);
      request.end(body);
    });

  return {
    async send(text: string): Promise<boolean> {
      const body = JSON.stringify({ text });
      let problem = '';
      for (let attempt = 1; attempt <= attempts; attempt += 1) {
        try {
          const status = await postOnce(body);
          if (status >= 200 && status < 300) return true;
          problem = `HTTP ${status}`;
          if (status >= 400 && status < 500 && status !== 429) break;
        } catch (error) {
          // Error texts from Node can include the request URL; keep only the code/message without it.
          const code = (error as NodeJS.ErrnoException).code;
          problem = code ?? (error as Error).message.split(target.pathname).join('/…');
        }
      }
      logger.error('alert webhook delivery failed; the cycle goes on', { webhook: describeWebhook(url), problem });
      return false;
    },
  };
}
