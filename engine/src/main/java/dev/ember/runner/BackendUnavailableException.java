package dev.ember.runner;

import java.io.IOException;

/**
 * The native library has no backend for the requested device (ember_model_new answered
 * {@code EMBER_ERR_BACKEND_UNAVAILABLE}): this build or machine cannot run a model there.
 *
 * <pre>{@code catch (BackendUnavailableException e) { reply 400 "device '" + e.device() + "' ..." } }</pre>
 */
public final class BackendUnavailableException extends IOException {
  private final String device;

  public BackendUnavailableException(String device, String nativeMessage) {
    super(nativeMessage);
    this.device = device;
  }

  /** The device name that was asked for. */
  public String device() {
    return device;
  }
}
