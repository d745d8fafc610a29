package dev.ember.http.admin;

import dev.ember.http.HttpOptions;
import java.nio.file.Path;
import java.util.List;

/**
 * Who may use the function admin API and what it may deploy.
 *
 * <pre>{@code new AdminOptions(List.of(System.getenv("EMBER_ADMIN_API_KEY")), List.of(Path.of("/models"))) }</pre>
 *
 * @param apiKeys {@value #API_KEY_DOC}
 * @param modelRoots {@value #MODEL_ROOT_DOC}
 */
public record AdminOptions(List<String> apiKeys, List<Path> modelRoots) {
  public static final String API_KEY_DOC = "Key(s) for the admin API (/functions: list, deploy, delete, prewarm), also"
      + " env EMBER_ADMIN_API_KEY, comma-separated. With one, the admin API is served to any client presenting it;"
      + " without, only to loopback clients. Inference keys (--api-key) never open it.";
  public static final String MODEL_ROOT_DOC = "Directory that model paths deployed over the admin API must be under"
      + " (repeatable; default: any path).";

  public AdminOptions {
    apiKeys = List.copyOf(apiKeys);
    modelRoots = List.copyOf(modelRoots);
    HttpOptions.checkKeys("admin API key", apiKeys);
  }

  /** No admin key (loopback clients only) and no model root. */
  public static AdminOptions defaults() {
    return new AdminOptions(List.of(), List.of());
  }
}
