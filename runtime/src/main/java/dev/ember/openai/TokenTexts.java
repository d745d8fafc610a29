package dev.ember.openai;

import dev.ember.engine.TokenLogprobs;
import dev.ember.function.FunctionEndpoint;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The text of single token ids for logprobs ({@code token}, {@code bytes}), decoded by the function
 * off the event loop and cached for the rest of one request. Only requests that asked for logprobs
 * create one.
 *
 * <pre>{@code texts.resolve(out.logprobs()).onSuccess(v -> texts.text(out.logprobs().tokenId())); }</pre>
 */
public final class TokenTexts {
  private final FunctionEndpoint endpoint;
  private final Map<Integer, Future<String>> known = new HashMap<>();

  public TokenTexts(FunctionEndpoint endpoint) {
    this.endpoint = endpoint;
  }

  /** Completes once the sampled id and every top id of {@code lp} have a text. */
  public Future<Void> resolve(TokenLogprobs lp) {
    if (lp == null) {
      return Future.succeededFuture();
    }
    List<Future<String>> pending = new ArrayList<>();
    request(lp.tokenId(), pending);
    for (int id : lp.topIds()) {
      request(id, pending);
    }
    return pending.isEmpty() ? Future.succeededFuture() : Future.all(pending).mapEmpty();
  }

  /** The text of a resolved id. */
  public String text(int id) {
    return known.get(id).result();
  }

  private void request(int id, List<Future<String>> pending) {
    Future<String> f = known.computeIfAbsent(id, k -> endpoint.detokenize(new int[] {k}));
    if (!f.isComplete() || f.failed()) {
      pending.add(f);
    }
  }
}
