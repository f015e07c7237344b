// HDF5: placeholder until its first real file lands.
