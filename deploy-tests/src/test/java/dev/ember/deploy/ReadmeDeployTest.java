package dev.ember.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's "Deploy" section gives one command per path, and each names files and overlays that exist. */
class ReadmeDeployTest {
  private static final Pattern PATH = Pattern.compile("(?:deploy|k8s)/[A-Za-z0-9_./-]+");

  @Test
  void theThreeDeployCommandsNameWhatTheRepositoryHolds() throws Exception {
    String readme = RepositoryFiles.text(RepositoryFiles.file("README.md"));
    String section = readme.substring(readme.indexOf("## Deploy"));
    String block = section.substring(section.indexOf("```sh") + 5, section.indexOf("```", section.indexOf("```sh") + 5));
    List<String> commands = block.strip().lines().toList();
    assertEquals(3, commands.size(), "one command each for one replica, the local fleet and Kubernetes: " + commands);
    assertTrue(commands.get(0).startsWith("docker run") && commands.get(1).startsWith("docker compose")
        && commands.get(2).startsWith("kubectl apply -k"), commands.toString());
    for (String command : commands) {
      PATH.matcher(command.replaceAll("#.*", "")).results().forEach(m ->
          assertTrue(Files.exists(RepositoryFiles.file(m.group())), command + " names a missing " + m.group()));
    }
    assertTrue(Kustomize.overlays().contains(commands.get(2).replaceAll(".*k8s/overlays/(\\S+).*", "$1")));
  }
}
