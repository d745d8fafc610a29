package dev.ember.http.admin;

import dev.ember.http.HttpOptions;
import java.nio.file.Path;
import java.util.List;

/**
 * Who may use the function admin API, what it may deploy, and where it listens.
 *
 * <pre>{@code new AdminOptions(List.of(System.getenv("EMBER_ADMIN_API_KEY")), List.of(Path.of("/models"))) }</pre>
 *
 * @param apiKeys {@value #API_KEY_DOC}
 * @param modelRoots {@value #MODEL_ROOT_DOC}
 * @param host {@value #HOST_DOC}
 * @param port {@value #PORT_DOC}
 */
public record AdminOptions(List<String> apiKeys, List<Path> modelRoots, String host, Integer port) {
  public static final String API_KEY_DOC = "Key(s) for the admin API (/functions: list, deploy, delete, prewarm), also"
      + " env EMBER_ADMIN_API_KEY, comma-separated. With one, the admin API is served to any client presenting it;"
      + " without, only to loopback clients. Inference keys (--api-key) never open it.";
  public static final String MODEL_ROOT_DOC = "Directory that model paths deployed over the admin API must be under"
      + " (repeatable; default: any path).";

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final String HOST_DOC = "Address the admin API listens on with --admin-port.";
  public static final String PORT_DOC = "Serve the admin API on this port only (0 picks a free one) instead of on the"
      + " inference port.";

  public AdminOptions {
    apiKeys = List.copyOf(apiKeys);
    modelRoots = List.copyOf(modelRoots);
    HttpOptions.checkKeys("admin API key", apiKeys);
    host = host == null ? DEFAULT_HOST : host;
    if (port != null && (port < 0 || port > 65535)) {
      throw new IllegalArgumentException("admin port must be in [0, 65535], got " + port);
    }
  }

  /** Admin routes on the inference port. */
  public AdminOptions(List<String> apiKeys, List<Path> modelRoots) {
    this(apiKeys, modelRoots, DEFAULT_HOST, null);
  }

  /** No admin key (loopback clients only), no model root, on the inference port. */
  public static AdminOptions defaults() {
    return new AdminOptions(List.of(), List.of());
  }

  /** The admin API on its own port and address. */
  public AdminOptions onPort(String h, int p) {
    return new AdminOptions(apiKeys, modelRoots, h, p);
  }
}
