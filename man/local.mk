# Man pages: hand-written roff, installed as they are (STYLE.md 9).
# Included from the top Makefile.am with "include $(srcdir)/man/local.mk";
# TESTS, EXTRA_DIST and AM_TESTS_ENVIRONMENT are defined before it.
# tests/check-man.sh fails if a page in man/ is missing from this list.

# The family pages, then one-line ".so" stubs for the other names.
dist_man_MANS = \
	man/libpromfile.7 \
	man/promfile.1 \
	man/pf_buckets_default.3 \
	man/pf_config_new.3 \
	man/pf_counter_family_new.3 \
	man/pf_counter_new.3 \
	man/pf_family_delete.3 \
	man/pf_gauge_new.3 \
	man/pf_histogram_new.3 \
	man/pf_process_metrics_register.3 \
	man/pf_registry_new.3 \
	man/pf_registry_new_shared.3 \
	man/pf_registry_render.3 \
	man/pf_registry_set_max_series.3 \
	man/pf_registry_write_textfile.3 \
	man/pf_strerror.3 \
	man/pf_writer_start.3 \
	man/promfile.conf.5 \
	man/pf_buckets_exponential.3 \
	man/pf_buckets_linear.3 \
	man/pf_build_info_register.3 \
	man/pf_config_free.3 \
	man/pf_config_load.3 \
	man/pf_config_set.3 \
	man/pf_config_set_error_callback.3 \
	man/pf_counter_add.3 \
	man/pf_counter_family_new_sharded.3 \
	man/pf_counter_add_labels.3 \
	man/pf_counter_add_u64.3 \
	man/pf_counter_func_new.3 \
	man/pf_counter_inc.3 \
	man/pf_counter_inc_labels.3 \
	man/pf_counter_value.3 \
	man/pf_counter_with.3 \
	man/pf_counter_with_labels.3 \
	man/pf_family_clear.3 \
	man/pf_family_delete_labels.3 \
	man/pf_family_set_max_series.3 \
	man/pf_gauge_add.3 \
	man/pf_gauge_add_labels.3 \
	man/pf_gauge_dec.3 \
	man/pf_gauge_dec_labels.3 \
	man/pf_gauge_family_new.3 \
	man/pf_gauge_family_new_mode.3 \
	man/pf_gauge_func_new.3 \
	man/pf_gauge_inc.3 \
	man/pf_gauge_inc_labels.3 \
	man/pf_gauge_set.3 \
	man/pf_gauge_set_labels.3 \
	man/pf_gauge_set_to_current_time.3 \
	man/pf_gauge_sub.3 \
	man/pf_gauge_value.3 \
	man/pf_gauge_with.3 \
	man/pf_gauge_with_labels.3 \
	man/pf_histogram_family_new.3 \
	man/pf_histogram_observe.3 \
	man/pf_histogram_observe_labels.3 \
	man/pf_histogram_with.3 \
	man/pf_histogram_with_labels.3 \
	man/pf_last_error.3 \
	man/pf_registry_default.3 \
	man/pf_registry_free.3 \
	man/pf_registry_freep.3 \
	man/pf_registry_render_file.3 \
	man/pf_registry_set_label.3 \
	man/pf_registry_attach_fd.3 \
	man/pf_registry_shared_fd.3 \
	man/pf_registry_worker.3 \
	man/pf_registry_set_value_policy.3 \
	man/pf_version.3 \
	man/pf_writer_flush.3 \
	man/pf_writer_last_error.3 \
	man/pf_writer_start_ini.3 \
	man/pf_writer_stop.3

# Every symbol has a page, every page formats cleanly, and every EXAMPLES
# program compiles, links and runs. The examples are built with the
# compiler the library was configured with.
TESTS += tests/check-man.sh
EXTRA_DIST += tests/check-man.sh
AM_TESTS_ENVIRONMENT += CC='$(CC)'; export CC;
