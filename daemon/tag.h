/* tag.h: see tag.c. */
#ifndef CRIER_TAG_H
#define CRIER_TAG_H
#endif
