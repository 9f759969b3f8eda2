/* <termios.h> without terminals (see include/sys/termios.h): no descriptor has a line
 * discipline here, so each tc* call fails as it does on a file; the cf* calls only edit the
 * structure, as they do everywhere. */
#include <errno.h>
#include <termios.h>

/* ENOTTY, or EBADF for what cannot be a descriptor at all */
static int not_a_terminal(int fd) { errno = fd < 0 ? EBADF : ENOTTY; return -1; }

int tcgetattr(int fd, struct termios *t) { (void)t; return not_a_terminal(fd); }
int tcsetattr(int fd, int action, const struct termios *t) { (void)action; (void)t; return not_a_terminal(fd); }
int tcdrain(int fd) { return not_a_terminal(fd); }
int tcflow(int fd, int action) { (void)action; return not_a_terminal(fd); }
int tcflush(int fd, int queue) { (void)queue; return not_a_terminal(fd); }
int tcsendbreak(int fd, int duration) { (void)duration; return not_a_terminal(fd); }
pid_t tcgetsid(int fd) { return not_a_terminal(fd); }

speed_t cfgetispeed(const struct termios *t) { return t->c_ispeed; }
speed_t cfgetospeed(const struct termios *t) { return t->c_ospeed; }

static int valid_speed(speed_t speed) { return speed <= B38400 || (speed >= B57600 && speed <= B921600); }
int cfsetispeed(struct termios *t, speed_t speed)
{
  if (!valid_speed(speed)) { errno = EINVAL; return -1; }
  t->c_ispeed = speed;
  return 0;
}
int cfsetospeed(struct termios *t, speed_t speed)
{
  if (!valid_speed(speed)) { errno = EINVAL; return -1; }
  t->c_ospeed = speed;
  return 0;
}

/* as glibc and the BSDs: no input or output processing, 8-bit characters, reads of one byte */
void cfmakeraw(struct termios *t)
{
  t->c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
  t->c_oflag &= ~OPOST;
  t->c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
  t->c_cflag &= ~(CSIZE | PARENB);
  t->c_cflag |= CS8;
  t->c_cc[VMIN] = 1;
  t->c_cc[VTIME] = 0;
}
