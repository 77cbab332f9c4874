/* The ceiling for any libyaml-based loader: parse every event of a file and delete it, nothing else.
   Prints "bytes=N seconds=S events=E"; the time covers reading the file and parsing, as the Swift loader's does.
   Built by benchmarks/run.sh: cc -O2 yaml_events.c -o yaml-events -lyaml */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <yaml.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE.yaml\n", argv[0]);
        return 2;
    }
    double start = now();
    FILE *file = fopen(argv[1], "rb");
    if (!file) { perror(argv[1]); return 1; }
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    unsigned char *bytes = malloc(size > 0 ? (size_t)size : 1);
    if (!bytes || fread(bytes, 1, (size_t)size, file) != (size_t)size) { fprintf(stderr, "cannot read %s\n", argv[1]); return 1; }
    fclose(file);
    if (size == 0) { fprintf(stderr, "%s is empty\n", argv[1]); return 1; }

    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) { fprintf(stderr, "cannot initialize libyaml\n"); return 1; }
    yaml_parser_set_input_string(&parser, bytes, (size_t)size);
    long events = 0;
    for (;;) {
        yaml_event_t event;
        if (!yaml_parser_parse(&parser, &event)) {
            fprintf(stderr, "%s:%zu:%zu: %s\n", argv[1], parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                    parser.problem ? parser.problem : "parse error");
            return 1;
        }
        int done = event.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&event);
        events++;
        if (done) break;
    }
    yaml_parser_delete(&parser);
    double seconds = now() - start;
    free(bytes);
    printf("bytes=%ld seconds=%.6f events=%ld\n", size, seconds, events);
    return 0;
}
