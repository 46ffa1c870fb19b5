/* Empty: see meson.build. */
extern int consulta_stub_libuv;
