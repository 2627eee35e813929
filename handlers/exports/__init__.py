"""Files for the TPMAP Logbook and the province's figures: what each export holds (one module
per kind), who may export what area, and the writers (XLSX, CSV)."""
