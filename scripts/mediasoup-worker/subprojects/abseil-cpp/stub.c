/* Empty: see meson.build. */
extern int consulta_stub_abseil_cpp;
