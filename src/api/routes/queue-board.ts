import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyPluginAsync } from 'fastify';
import type { AccountQueues } from '../../shared/queue/account-queues.ts';

/** Where the dashboard is served. */
export const QUEUE_BOARD_PATH = '/admin/queues';

/**
 * bull-board's page links its web fonts from fonts.googleapis.com: every operator visit would
 * tell Google, and on a machine without internet the page waits for them. The page falls
 * back to the system's sans-serif and monospace fonts without the link.
 */
const WEB_FONT_LINK = /<link[^>]+href="https:\/\/fonts\.googleapis\.com\/[^"]*"[^>]*>\s*/g;

/** bull-board's HTML without links to the internet; any other payload as it is. */
export function withoutWebFonts(payload: unknown): unknown {
  if (typeof payload === 'string') return payload.replace(WEB_FONT_LINK, '');
  if (Buffer.isBuffer(payload)) return payload.toString('utf8').replace(WEB_FONT_LINK, '');
  return payload;
}

/**
 * The bull-board dashboard over every account's class queues, at {@link QUEUE_BOARD_PATH}.
 * Its work items are named `type · tenant · batch` (shared/queue/work-item-name.ts).
 */
export const queueBoard: FastifyPluginAsync<{ queues: AccountQueues }> = async (
  app,
  { queues },
) => {
  const board = new FastifyAdapter();
  createBullBoard({
    queues: queues.all.map(({ queue }) => new BullMQAdapter(queue)),
    serverAdapter: board,
  });
  board.setBasePath(QUEUE_BOARD_PATH);
  // In this plugin's own scope: only the board's answers are rewritten.
  app.addHook('onSend', async (_request, reply, payload) => {
    const type = reply.getHeader('content-type');
    return typeof type === 'string' && type.startsWith('text/html')
      ? withoutWebFonts(payload)
      : payload;
  });
  await app.register(board.registerPlugin(), { prefix: QUEUE_BOARD_PATH });
};
