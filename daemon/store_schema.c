/* store_schema.c: STUB */
