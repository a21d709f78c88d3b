/* pipeline.h: see pipeline.c. */
#ifndef CRIER_PIPELINE_H
#define CRIER_PIPELINE_H
#endif
