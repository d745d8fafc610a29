package dev.ember.http.internal;

import dev.ember.engine.Usage;
import dev.ember.ops.RequestLog;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;

/**
 * First handler of every request: gives it a request id ({@code X-Request-Id} from the client, or a new
 * one), echoes it in the response, and writes one access-log line when the response ends, with the
 * function and token counts that a completion call records on the context. A request whose client
 * closed the connection before the response ended is logged with status 499.
 *
 * <pre>{@code router.route().handler(new AccessLog()); ... AccessLog.completion(ctx, "chatcmpl-1", "demo"); }</pre>
 */
public final class AccessLog implements Handler<RoutingContext> {
  private static final String REQUEST_ID = "ember.requestId";
  private static final String FUNCTION = "ember.function";
  private static final String USAGE = "ember.usage";
  private static final String CLIENT_ID = "ember.clientRequestId";
  private static final String PROMPT_TOKENS = "ember.promptTokens";
  public static final String HEADER = "X-Request-Id";
  /** The status logged for a request whose client went away before its response ended (nginx's 499). */
  public static final int CLIENT_CLOSED_REQUEST = 499;

  @Override
  public void handle(RoutingContext ctx) {
    long start = System.nanoTime();
    String given = ctx.request().getHeader(HEADER);
    boolean fromClient = given != null && !given.isBlank() && given.length() <= 128;
    String id = fromClient ? given : UUID.randomUUID().toString();
    ctx.put(REQUEST_ID, id);
    ctx.put(CLIENT_ID, fromClient);
    ctx.response().putHeader(HEADER, id);
    ctx.addEndHandler(ended -> {
      Usage u = ctx.get(USAGE);
      Integer submittedPrompt = ctx.get(PROMPT_TOKENS);
      int promptTokens = u != null ? u.promptTokens() : submittedPrompt == null ? 0 : submittedPrompt;
      int status = ended.failed() ? CLIENT_CLOSED_REQUEST : ctx.response().getStatusCode();
      RequestLog.finished(ctx.get(REQUEST_ID), ctx.request().path(), ctx.get(FUNCTION), status,
          promptTokens, u == null ? 0 : u.completionTokens(), System.nanoTime() - start);
    });
    ctx.next();
  }

  /**
   * A completion call names its function for the log line, and its response id becomes the request id
   * (header too) unless the client sent one.
   */
  static void completion(RoutingContext ctx, String responseId, String function) {
    ctx.put(FUNCTION, function);
    if (!Boolean.TRUE.equals(ctx.get(CLIENT_ID))) {
      ctx.put(REQUEST_ID, responseId);
      ctx.response().putHeader(HEADER, responseId);
    }
  }

  /** The prompt's token count once the function admitted the request (logged even if the client aborts). */
  static void submitted(RoutingContext ctx, int promptTokens) {
    ctx.put(PROMPT_TOKENS, promptTokens);
  }

  /** The finished request's token counts for the log line. */
  static void usage(RoutingContext ctx, Usage usage) {
    ctx.put(USAGE, usage);
  }
}
