import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * One log line per request, written when it is answered: the request (through the logger's
 * `req` serializer, which scrubs the query and keeps headers out), the status and the time
 * taken. Fastify's default writes two (`incoming request`, `request completed`), and a
 * synchronous line to stdout was the intake's largest cost after Redis under load (issue 10,
 * B1). A request still running has no line yet.
 */
export class OneLineRequestLog extends LogController {
  override incomingRequest(): void {
    // Logged with the outcome, in requestCompleted.
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return;
    const line = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}
