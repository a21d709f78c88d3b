/* http.h: see http.c. */
#ifndef CRIER_HTTP_H
#define CRIER_HTTP_H
#endif
