/* opml.h: see opml.c. */
#ifndef CRIER_OPML_H
#define CRIER_OPML_H
#endif
