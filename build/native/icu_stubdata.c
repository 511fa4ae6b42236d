/* An empty ICU common-data package: the same idea as ICU's own "stubdata" library.
 *
 * Qt links to ICU, and ICU's data library (libicudata, 32 MB) holds collation, converter,
 * break-iterator and locale tables. The kiosk uses none of them: Qt draws and breaks text with
 * its own Unicode tables, and the properties ICU needs for case mapping and normalisation
 * are compiled into libicuuc itself. Anything that still asks ICU for data gets a clean
 * "missing resource" error instead of a crash.
 *
 * Compiled by build/native_libs.py with -DICU_ENTRY=icudtNN_dat for the ICU version found.
 */
#include <stdint.h>

#ifndef ICU_ENTRY
#error "define ICU_ENTRY, e.g. -DICU_ENTRY=icudt73_dat"
#endif

typedef struct {
    uint16_t size;              /* sizeof(UDataInfo) */
    uint16_t reserved_word;
    uint8_t is_big_endian;
    uint8_t charset_family;     /* 0: ASCII */
    uint8_t sizeof_uchar;
    uint8_t reserved_byte;
    uint8_t data_format[4];     /* "ToCP": a table of contents of pointers */
    uint8_t format_version[4];
    uint8_t data_version[4];
} DataInfo;

typedef struct {
    uint16_t header_size;
    uint8_t magic1, magic2;     /* 0xda 0x27 */
    DataInfo info;
    char padding[8];
    uint32_t count;             /* no entries */
    uint32_t reserved;
    struct { const char *name; const void *data; } toc[1];
} CommonData;

__attribute__((visibility("default"), aligned(16)))
const CommonData ICU_ENTRY = {
    32, 0xda, 0x27,
    {sizeof(DataInfo), 0, __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__, 0, 2, 0,
     {0x54, 0x6f, 0x43, 0x50}, {1, 0, 0, 0}, {0, 0, 0, 0}},
    {0, 0, 0, 0, 0, 0, 0, 0},
    0, 0,
    {{0, 0}},
};
