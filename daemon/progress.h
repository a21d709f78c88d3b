/* progress.h: see progress.c. */
#ifndef CRIER_PROGRESS_H
#define CRIER_PROGRESS_H
#endif
