DROP TABLE render_sweeps;
