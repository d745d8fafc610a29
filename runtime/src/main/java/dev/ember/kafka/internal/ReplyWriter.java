package dev.ember.kafka.internal;

import dev.ember.engine.RequestOutput;
import dev.ember.function.FunctionException;
import dev.ember.kafka.EmberKafkaHeaders;
import dev.ember.openai.ChoiceBuffer;
import dev.ember.openai.CompletionRequest;
import dev.ember.openai.OpenAiErrors;
import dev.ember.openai.OpenAiJson;
import dev.ember.openai.TokenTexts;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Turns one request's engine outputs into reply records, in the HTTP API's JSON shapes (built with the
 * OpenAI codec's {@link ChoiceBuffer} and {@link OpenAiJson}, the same the HTTP door uses): a stream sends chunk records
 * ({@code ember-seq} 0, 1, 2, ...) and then a final record with the finish reasons and usage; otherwise
 * one final record holds the whole response. A stream keeps at most one chunk record unacknowledged:
 * outputs that come while one is in flight are merged into the next chunk, sent when it is
 * acknowledged (or with the final record), so a slow or absent broker costs fewer, larger chunks
 * instead of a record per token piling up in the producer. An error is a final record with OpenAI's error JSON and
 * {@code ember-error: <status>}. {@link #done()} completes once every record is acknowledged.
 * Event-loop confined.
 *
 * <pre>{@code ReplyWriter w = new ReplyWriter(sender, address, request, id, created); w.accept(out, null); }</pre>
 */
public final class ReplyWriter {
  private final ReplySender sender;
  private final RequestAddress to;
  private final CompletionRequest request;
  private final String id;
  private final long created;
  private final ChoiceBuffer[] choices;
  private final Promise<Void> done = Promise.promise();
  private int seq;
  private String replica;
  private int unacknowledged;
  private boolean chunkInFlight;
  /** The final record is decided: sent, or queued behind the chunk in flight. */
  private boolean finished;
  /** The final record was handed to the sender. */
  private boolean finalSent;
  /**
   * The final record (and any text left) waiting for the chunk in flight: the sender resubmits a record
   * it could not send during an outage, so a record sent meanwhile would overtake it.
   */
  private Runnable queuedFinal;
  private Throwable sendFailure;

  /** A writer that can only answer with an error (the request could not be parsed). */
  public ReplyWriter(ReplySender sender, RequestAddress to) {
    this.sender = sender;
    this.to = to;
    this.request = null;
    this.id = null;
    this.created = 0;
    this.choices = new ChoiceBuffer[0];
  }

  public ReplyWriter(ReplySender sender, RequestAddress to, CompletionRequest request, String id, long created) {
    this.sender = sender;
    this.to = to;
    this.request = request;
    this.id = id;
    this.created = created;
    int n = request.params().n();
    this.choices = new ChoiceBuffer[n];
    for (int i = 0; i < n; i++) {
      choices[i] = new ChoiceBuffer(i, request.kind(), request.params().logprobs() != null);
    }
  }

  /** The cluster replica serving the request: every later record names it in {@code ember-replica}. */
  public void servedBy(String replica) {
    this.replica = replica;
  }

  /** Completes when the final record and every record before it are acknowledged by the broker. */
  public Future<Void> done() {
    return done.future();
  }

  /** One engine output, in order; {@code texts} resolves logprob tokens (null without logprobs). */
  public void accept(RequestOutput out, TokenTexts texts) {
    if (finished) {
      return;
    }
    choices[out.index()].add(out, texts);
    if (out.requestFinished() && out.error() != null) {
      fail(new FunctionException(500, "server_error", "engine_error", null, null, "the request failed: " + out.error()));
      return;
    }
    if (out.requestFinished()) {
      finished = true;
      finishAfterChunks(() -> send(finalBody(out).encode(), EmberKafkaHeaders.FINAL, "true"));
    } else if (request.stream() && !chunkInFlight) {
      sendChunks();
    }
  }

  /** Sends the text left, one chunk at a time, then {@code sendFinal}: each after the one before is acknowledged. */
  private void finishAfterChunks(Runnable sendFinal) {
    queuedFinal = () -> {
      if (request != null && request.stream() && sendChunks()) {
        return;
      }
      queuedFinal = null;
      finalSent = true;
      sendFinal.run();
    };
    if (!chunkInFlight) {
      queuedFinal.run();
    }
  }

  /**
   * Sends each choice's pending text as a chunk record; the last one sent is watched for its acknowledgement,
   * after which the next text (or the queued final record) goes. False when there was nothing to send.
   */
  private boolean sendChunks() {
    Future<?> last = null;
    for (ChoiceBuffer c : choices) {
      if (c.hasPending()) {
        JsonObject chunk = OpenAiJson.envelope(request.kind().chunkObject(), id, created, request.model(),
            new JsonArray().add(c.chunkChoice()));
        c.clear();
        last = send(chunk.encode(), EmberKafkaHeaders.SEQ, Integer.toString(seq++));
      }
    }
    if (last == null) {
      return false;
    }
    chunkInFlight = true;
    last.onComplete(ar -> {
      chunkInFlight = false;
      if (queuedFinal != null) {
        queuedFinal.run();
      } else if (!finished) {
        sendChunks();
      }
    });
    return true;
  }

  /**
   * Sends nothing more and completes {@link #done()}: the request is someone else's now. Returns false
   * (and changes nothing) when the final record was already sent.
   */
  public boolean abandon() {
    if (finished) {
      return false;
    }
    finished = true;
    finalSent = true;
    if (unacknowledged == 0) {
      done.tryComplete();
    }
    return true;
  }

  /** Answers with an error as the final record (unless the final record was already sent). */
  public void fail(FunctionException e) {
    if (finished) {
      return;
    }
    finished = true;
    for (ChoiceBuffer c : choices) {
      c.clear();
    }
    finishAfterChunks(() -> send(OpenAiErrors.body(e).encode(), EmberKafkaHeaders.FINAL, "true",
        EmberKafkaHeaders.ERROR, Integer.toString(e.status())));
  }

  private JsonObject finalBody(RequestOutput last) {
    JsonArray list = new JsonArray();
    if (request.stream()) {
      for (ChoiceBuffer c : choices) {
        JsonObject whole = c.choice();
        list.add(new JsonObject().put("index", whole.getInteger("index"))
            .put("finish_reason", whole.getString("finish_reason")).put("stop_reason", whole.getValue("stop_reason")));
      }
      return OpenAiJson.envelope(request.kind().chunkObject(), id, created, request.model(), list)
          .put("usage", OpenAiJson.usage(last.usage()));
    }
    for (ChoiceBuffer c : choices) {
      list.add(c.choice());
    }
    return OpenAiJson.envelope(request.kind().object(), id, created, request.model(), list)
        .put("usage", OpenAiJson.usage(last.usage()));
  }

  private Future<?> send(String json, String... headers) {
    unacknowledged++;
    if (replica != null) {
      headers = java.util.Arrays.copyOf(headers, headers.length + 2);
      headers[headers.length - 2] = EmberKafkaHeaders.REPLICA;
      headers[headers.length - 1] = replica;
    }
    return sender.reply(to, json, headers).onComplete(ar -> {
      unacknowledged--;
      if (ar.failed() && sendFailure == null) {
        sendFailure = ar.cause();
      }
      if (finalSent && unacknowledged == 0) {
        if (sendFailure != null) {
          done.tryFail(sendFailure);
        } else {
          done.tryComplete();
        }
      }
    });
  }
}
