package dev.ember.cluster.internal;

import dev.ember.engine.RequestOutput;
import dev.ember.function.FunctionException;
import dev.ember.function.InferenceRequest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * One request forwarded to a peer's {@link ForwardServer}: posts it, reports the peer's acceptance,
 * each output (decoded from its {@link ForwardFrames}), and how it ended: refused with a status
 * (nothing ran there), or lost (the peer or the connection went away before the final output, or sent
 * what is not a frame). Callbacks run on the context that started the call.
 *
 * <pre>{@code ForwardCall call = ForwardCall.start(client, "10.0.0.3:40123", request, listener); call.cancel(); }</pre>
 */
public final class ForwardCall {
  /** What happened to a forwarded request. */
  public interface Listener {
    void accepted(int promptTokens);

    void output(RequestOutput output);

    /** The peer refused it (nothing ran): its status and error. */
    void refused(FunctionException error);

    /** The peer or the connection failed before the request's final output. */
    void lost(Throwable cause);
  }

  private final io.vertx.core.Context context;
  private final Listener listener;
  private HttpClientRequest request;
  private boolean done;
  private boolean cancelled;

  private ForwardCall(io.vertx.core.Context context, Listener listener) {
    this.context = context;
    this.listener = listener;
  }

  public static ForwardCall start(io.vertx.core.Vertx vertx, HttpClient client, String address, InferenceRequest r,
      Listener l) {
    ForwardCall call = new ForwardCall(vertx.getOrCreateContext(), l);
    int colon = address.lastIndexOf(':');
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(address.substring(0, colon))
        .setPort(Integer.parseInt(address.substring(colon + 1))).setURI(ForwardServer.PATH);
    client.request(options).onFailure(e -> call.lose(l, e)).onSuccess(req -> {
      call.request = req;
      if (call.cancelled) {
        req.reset();
        return;
      }
      req.putHeader("Content-Type", "application/json");
      req.send(ForwardCodec.encodeRequest(r)).onFailure(e -> call.lose(l, e)).onSuccess(resp -> {
        if (resp.statusCode() != 200) {
          resp.body().onComplete(b -> {
            if (!call.done) {
              call.done = true;
              l.refused(ForwardCodec.decodeError(resp.statusCode(), b.succeeded() ? b.result() : Buffer.buffer()));
            }
          });
          return;
        }
        boolean[] first = {true};
        ForwardFrames frames = new ForwardFrames(frame -> {
          if (call.done) {
            return;
          }
          int accepted = -1;
          RequestOutput out = null;
          try {
            if (first[0]) {
              first[0] = false;
              accepted = ForwardCodec.acceptedTokens(frame);
            } else {
              out = ForwardCodec.decodeOutput(r.requestId(), frame);
            }
          } catch (RuntimeException e) {
            call.request.reset();
            call.lose(l, e);
            return;
          }
          if (out == null) {
            l.accepted(accepted);
            return;
          }
          if (out.requestFinished()) {
            call.done = true;
          }
          l.output(out);
        }, e -> {
          call.request.reset();
          call.lose(l, e);
        });
        resp.handler(frames);
        resp.exceptionHandler(e -> call.lose(l, e));
        resp.endHandler(v -> call.lose(l, new IllegalStateException("the peer closed the stream early")));
      });
    });
    return call;
  }

  /** The peer left the cluster: the call ends as lost unless it already ended (any thread). */
  public void peerLeft() {
    context.runOnContext(v -> {
      if (request != null && !done) {
        request.reset();
      }
      lose(listener, new IllegalStateException("the replica left the cluster"));
    });
  }

  /** True once the call has ended one way or another. */
  public boolean ended() {
    return done;
  }

  /** Stops the request on the peer (closing the stream cancels it there). */
  public void cancel() {
    cancelled = true;
    done = true;
    if (request != null) {
      request.reset();
    }
  }

  private void lose(Listener l, Throwable cause) {
    if (!done) {
      done = true;
      l.lost(cause);
    }
  }
}
