/* store.h: see store.c. */
#ifndef CRIER_STORE_H
#define CRIER_STORE_H
#endif
