package dev.ember.cluster.internal;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.parsetools.RecordParser;

/**
 * Splits a forwarded answer's byte stream into its frames, however the network cut it: each frame is a
 * 4-byte big-endian length and then that many bytes (kind byte first), which reach the handler without
 * the length. A length below 1 or above the bound fails the stream through the exception handler.
 *
 * <pre>{@code ForwardFrames.on(response, frame -> ..., error -> ...); }</pre>
 */
public final class ForwardFrames implements Handler<Buffer> {
  /** No frame is longer than this: a larger length means the stream is not what a peer writes. */
  public static final int MAX_FRAME_BYTES = 64 << 20;
  private final RecordParser parser = RecordParser.newFixed(4);
  private final Handler<Buffer> frames;
  private final Handler<Throwable> errors;
  private boolean header = true;
  private boolean failed;

  public ForwardFrames(Handler<Buffer> frames, Handler<Throwable> errors) {
    this.frames = frames;
    this.errors = errors;
    parser.handler(this::piece);
  }

  @Override
  public void handle(Buffer chunk) {
    if (!failed) {
      parser.handle(chunk);
    }
  }

  private void piece(Buffer piece) {
    if (failed) {
      return;
    }
    if (header) {
      int length = piece.getInt(0);
      if (length < 1 || length > MAX_FRAME_BYTES) {
        failed = true;
        errors.handle(new IllegalStateException("bad forward frame length " + length));
        return;
      }
      header = false;
      parser.fixedSizeMode(length);
    } else {
      header = true;
      parser.fixedSizeMode(4);
      frames.handle(piece);
    }
  }
}
