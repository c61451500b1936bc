/*
 * retarget_version: makes an ELF64 program or shared object ask its C
 * library for an older version (one it already asks the same library for)
 * in place of VERSION, so that the dynamic loader loads it on a C library
 * that lacks VERSION.  The symbols it wanted at VERSION then resolve to the
 * first definition in the global scope: glibc238.so, preloaded, which
 * defines them without a version (a version requirement made weak instead
 * would do too, but the loader prints a warning for each weak one a
 * program, as opposed to a dlopen()ed library, lacks).
 *
 *   retarget_version FILE VERSION      e.g. retarget_version pg_dump GLIBC_2.38
 *
 * Used only by scripts/check-versions.sh, on copies of the pg_cron and the
 * client programs it borrows, built against glibc 2.38 or newer (README,
 * "Packaging"); never on rfm.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(int argc, char **argv)
{
	FILE	   *f;
	long		size;
	unsigned char *b;
	Elf64_Ehdr *eh;
	Elf64_Shdr *sh;
	int			changed = 0;

	if (argc != 3)
	{
		fprintf(stderr, "usage: retarget_version FILE VERSION\n");
		return 2;
	}
	if ((f = fopen(argv[1], "r+b")) == NULL || fseek(f, 0, SEEK_END) != 0 ||
		(size = ftell(f)) < (long) sizeof(Elf64_Ehdr) || fseek(f, 0, SEEK_SET) != 0 ||
		(b = malloc(size)) == NULL || fread(b, 1, size, f) != (size_t) size)
	{
		perror(argv[1]);
		return 1;
	}
	eh = (Elf64_Ehdr *) b;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
		eh->e_shoff + (unsigned long) eh->e_shnum * sizeof(Elf64_Shdr) > (unsigned long) size)
	{
		fprintf(stderr, "%s: not a 64-bit ELF file\n", argv[1]);
		return 1;
	}
	sh = (Elf64_Shdr *) (b + eh->e_shoff);
	for (int i = 0; i < eh->e_shnum; i++)
	{
		unsigned long p = sh[i].sh_offset;
		const char *strtab;

		if (sh[i].sh_type != SHT_GNU_verneed || sh[i].sh_link >= eh->e_shnum)
			continue;
		strtab = (const char *) b + sh[sh[i].sh_link].sh_offset;
		for (unsigned n = 0; n < sh[i].sh_info; n++)
		{
			Elf64_Verneed *vn = (Elf64_Verneed *) (b + p);
			Elf64_Vernaux *target = NULL,
					   *older = NULL;
			unsigned long a = p + vn->vn_aux;

			/* the entry for VERSION, and another of the same library */
			for (unsigned k = 0; k < vn->vn_cnt; k++)
			{
				Elf64_Vernaux *aux = (Elf64_Vernaux *) (b + a);

				if (strcmp(strtab + aux->vna_name, argv[2]) == 0)
					target = aux;
				else if (older == NULL)
					older = aux;
				a += aux->vna_next;
			}
			if (target != NULL && older != NULL)
			{
				printf("%s: %s of %s asked for as %s\n", argv[1], argv[2],
					   strtab + vn->vn_file, strtab + older->vna_name);
				target->vna_name = older->vna_name;
				target->vna_hash = older->vna_hash;
				target->vna_flags = older->vna_flags;
				changed++;
			}
			p += vn->vn_next;
		}
	}
	if (fseek(f, 0, SEEK_SET) != 0 || fwrite(b, 1, size, f) != (size_t) size || fclose(f) != 0)
	{
		perror(argv[1]);
		return 1;
	}
	return changed > 0 ? 0 : 1;
}
