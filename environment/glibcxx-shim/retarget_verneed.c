/* Points the .gnu.version_r entry that requires FROM (e.g. GLIBCXX_3.4.32) at an older
 * version string TO that is already in .dynstr (e.g. GLIBCXX_3.4.21), recomputing vna_hash.
 * patchelf can clear a symbol's version but cannot drop a version requirement, and the
 * dynamic loader refuses a library that still requires a version the system lacks.
 * Usage: retarget_verneed FILE FROM TO   (exit 0: patched or nothing to do; 1: error). */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long elf_hash(const char *name) {
    unsigned long h = 0, g;
    while (*name) {
        h = (h << 4) + (unsigned char)*name++;
        if ((g = h & 0xf0000000)) h ^= g >> 24;
        h &= ~g;
    }
    return h;
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: %s FILE FROM TO\n", argv[0]); return 1; }
    FILE *f = fopen(argv[1], "r+b");
    if (!f) { perror(argv[1]); return 1; }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(size);
    if (!buf || fread(buf, 1, size, f) != (size_t)size) { fprintf(stderr, "read failed\n"); return 1; }
    Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64) {
        fprintf(stderr, "%s: not a 64-bit ELF file\n", argv[1]); return 1;
    }
    Elf64_Shdr *sh = (Elf64_Shdr *)(buf + eh->e_shoff);
    Elf64_Shdr *vr = NULL;
    for (int i = 0; i < eh->e_shnum; i++) if (sh[i].sh_type == SHT_GNU_verneed) vr = &sh[i];
    if (!vr) { fprintf(stderr, "no .gnu.version_r section\n"); return 1; }
    Elf64_Shdr *ds = &sh[vr->sh_link];
    const char *dynstr = (const char *)(buf + ds->sh_offset);
    long to_off = -1;
    for (unsigned long o = 0; o < ds->sh_size; o += strlen(dynstr + o) + 1)
        if (strcmp(dynstr + o, argv[3]) == 0) { to_off = (long)o; break; }
    if (to_off < 0) { fprintf(stderr, "%s not found in .dynstr\n", argv[3]); return 1; }
    int patched = 0;
    unsigned char *p = buf + vr->sh_offset;
    for (;;) {
        Elf64_Verneed *vn = (Elf64_Verneed *)p;
        unsigned char *a = p + vn->vn_aux;
        for (int j = 0; j < vn->vn_cnt; j++) {
            Elf64_Vernaux *aux = (Elf64_Vernaux *)a;
            if (strcmp(dynstr + aux->vna_name, argv[2]) == 0) {
                aux->vna_name = (Elf64_Word)to_off;
                aux->vna_hash = (Elf64_Word)elf_hash(argv[3]);
                patched++;
            }
            if (!aux->vna_next) break;
            a += aux->vna_next;
        }
        if (!vn->vn_next) break;
        p += vn->vn_next;
    }
    if (patched) {
        fseek(f, 0, SEEK_SET);
        if (fwrite(buf, 1, size, f) != (size_t)size) { fprintf(stderr, "write failed\n"); return 1; }
    }
    fclose(f);
    printf("%s: %d requirement(s) of %s now point at %s\n", argv[1], patched, argv[2], argv[3]);
    return 0;
}
