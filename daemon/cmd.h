/*
 * cmd.h: the subcommands of the crier binary.  main.c parses the global
 * options (-c FILE, --help, --version) and hands the rest to one of
 * these; each prints its own --help and returns the exit status.
 */
#ifndef CRIER_CMD_H
#define CRIER_CMD_H

struct crier;

/* argv[0] is the subcommand's name. */
int cmd_serve(struct crier *c, int argc, char **argv);
int cmd_fetch(struct crier *c, int argc, char **argv);
int cmd_parse(struct crier *c, int argc, char **argv);
int cmd_feeds(struct crier *c, int argc, char **argv);
int cmd_opml(struct crier *c, int argc, char **argv);
int cmd_check_config(struct crier *c, int argc, char **argv);
int cmd_team(struct crier *c, int argc, char **argv);      /* cmd_token.c */
int cmd_token(struct crier *c, int argc, char **argv);     /* cmd_token.c */
int cmd_user(struct crier *c, int argc, char **argv);      /* cmd_post.c */
int cmd_post(struct crier *c, int argc, char **argv);      /* cmd_post.c */
int cmd_digest(struct crier *c, int argc, char **argv);    /* cmd_digest.c */

/* Opens the config and the store for a command that needs them. */
int cmd_open(struct crier *c, int need_store);
void cmd_close(struct crier *c);

#endif
