/* The floor of CGI on this machine: how many times per second a process can
 * posix_spawn a script with its stdout on a pipe, read the output to EOF and
 * reap it, which is the least work any CGI server does per request (no HTTP,
 * no environment building, no scheduling of other work).
 *
 *   spawn-loop SCRIPT SECONDS [LOOPS]
 *
 * runs LOOPS (default 1) such loops side by side, each in its own process,
 * for SECONDS, and prints one JSON line: {"execs":N,"seconds":S,"loops":L,
 * "errors":E}. Built by bench/run.mjs with `cc -O2`.
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One CGI-like execution: spawn, read stdout to EOF, reap. 0 on success. */
static int run_once(const char *script) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  char *argv[] = {(char *)script, NULL};
  pid_t pid;
  int rc = posix_spawn(&pid, script, &actions, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return -1;
  }
  char buf[4096];
  ssize_t got;
  size_t total = 0;
  while ((got = read(fds[0], buf, sizeof buf)) != 0) {
    if (got < 0 && errno != EINTR) break;
    if (got > 0) total += (size_t)got;
  }
  close(fds[0]);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return (total > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) ? 0 : -1;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s SCRIPT SECONDS [LOOPS]\n", argv[0]);
    return 2;
  }
  const char *script = argv[1];
  double seconds = atof(argv[2]);
  int loops = argc > 3 ? atoi(argv[3]) : 1;
  if (loops < 1) loops = 1;

  /* counters shared with the loop processes: execs and errors per loop */
  long *counts = mmap(NULL, sizeof(long) * 2 * loops, PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (counts == MAP_FAILED) return 1;
  memset(counts, 0, sizeof(long) * 2 * loops);

  double start = now_seconds();
  for (int i = 0; i < loops; i++) {
    pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid == 0) {
      double end = start + seconds;
      while (now_seconds() < end) {
        if (run_once(script) == 0)
          counts[2 * i]++;
        else
          counts[2 * i + 1]++;
      }
      _exit(0);
    }
  }
  for (int i = 0; i < loops; i++) {
    int status;
    while (wait(&status) < 0 && errno == EINTR) {
    }
  }
  double elapsed = now_seconds() - start;
  long execs = 0, errors = 0;
  for (int i = 0; i < loops; i++) {
    execs += counts[2 * i];
    errors += counts[2 * i + 1];
  }
  printf("{\"execs\":%ld,\"seconds\":%.3f,\"loops\":%d,\"errors\":%ld}\n", execs, elapsed, loops,
         errors);
  return 0;
}
