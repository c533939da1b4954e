/* pbprobe: placeholder until the prober lands. */
#include <stdio.h>
int main(void)
{
    fputs("pbprobe: not built yet\n", stderr);
    return 4;
}
